// subscribe(): follow the log from a position or a named client, in batches, woken by the
// shared Wakeups and polling as the safety net; reconnects with backoff; stops on AbortSignal.
// docs/push.md is the contract; README "Subscribing from TypeScript" shows it in use.
import type pg from 'pg';
import { Wakeups } from '../wake/index.ts';
import { asError, backoffMs, connect, DEFAULT_SCHEMA, isConnectionError, quoteIdent, sleep } from '../wake/retry.ts';

export interface LogEvent {
  etag: string;
  txOrder: string;
  ctime: Date;
  eventType: string;
  stream: string | null;
  version: number | null;
  payload: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface EventFilter {
  /** Only events of this stream. */
  stream?: string;
  /** Only events whose stream starts with this. */
  streamPrefix?: string;
  /** Only events of these types. */
  types?: string[];
}

export interface SubscribeOptions {
  /** Default: DATABASE_URL, then the PG* environment variables. */
  connectionString?: string;
  /** Follow this named client (its cursor in the database) … */
  client?: string;
  /** … or a position: the events after this etag ('0' = from the start; default '0'). */
  from?: string;
  /** Named clients: 'at-least-once' (peek_event/ack_event, default) or 'in-transaction' (get_event). */
  delivery?: 'at-least-once' | 'in-transaction';
  /** Events per batch, 1..10000 (default 100). */
  batchSize?: number;
  /** Events not matching are skipped; the position still advances past them. */
  filter?: EventFilter;
  /** The safety-net poll when no wake-up arrives (default 1000 ms). */
  pollIntervalMs?: number;
  /** A shared listener (serve passes one), or false to poll only. Default: a listener of its own. */
  wakeups?: Wakeups | false;
  /** Stops the loop cleanly: the iteration ends (no error). */
  signal?: AbortSignal;
  /** Connection errors; the subscriber reconnects with backoff and carries on. */
  onError?: (err: Error) => void;
  /** Install schema (default `eventlog`). */
  schema?: string;
  /** Backoff between reconnect attempts (default 100 ms doubling up to 5000 ms). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

export interface Batch {
  /** The batch's events that pass the filter, in log order (never empty). */
  events: LogEvent[];
  /** The etag position after this batch: resume with `from: after`. */
  after: string;
  /**
   * In-transaction delivery only: the connection whose open transaction read the batch. Work done
   * with it commits together with the cursor move when the loop asks for the next batch.
   */
  transaction?: pg.Client;
}

/** Our own errors carry a stable `code`. */
export class SubscribeError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'SubscribeError';
    this.code = code;
  }
}

const COLUMNS = 'etag::text AS etag, tx_order::text AS tx_order, ctime, event_type, stream, version, payload, metadata';

interface Row {
  etag: string;
  tx_order: string;
  ctime: Date;
  event_type: string;
  stream: string | null;
  version: number | null;
  payload: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** Filtered reads only: whether the row matches (the batch's last row comes either way). */
  hit?: boolean;
}

function toEvent(r: Row): LogEvent {
  return {
    etag: r.etag,
    txOrder: r.tx_order,
    ctime: r.ctime,
    eventType: r.event_type,
    stream: r.stream,
    version: r.version,
    payload: r.payload,
    metadata: r.metadata,
  };
}

/**
 * The filter as SQL around a batch read (`get_event(…)`, `peek_event(…)`): `source` is the call,
 * `columns` the select list over its rows `e`, `params` the read's own parameters. Returns the
 * query and its parameters, or the plain read without a filter. The filtered query returns the
 * matching rows (`hit` true) and, whatever it matches, the read's last row (`hit` false unless it
 * matches): the position after the batch. So a reader still advances past events it does not
 * want, exactly as far as the unfiltered read would, and receives only the matches plus at most
 * one row per read. The read itself (and its checks: unknown etags, archived ranges, the read
 * horizon) is unchanged, so a filtered reader is as gap-safe as an unfiltered one.
 */
export function filteredRead(source: string, columns: string, params: unknown[], filter: EventFilter | undefined): { text: string; values: unknown[] } {
  const stream = filter?.stream;
  const prefix = filter?.streamPrefix;
  const types = filter?.types?.length ? filter.types : undefined;
  if (stream === undefined && prefix === undefined && types === undefined) return { text: `SELECT ${columns} FROM ${source} AS e`, values: params };
  const n = params.length;
  const hit = `coalesce(($${n + 1}::text IS NULL OR e.stream = $${n + 1}::text)
      AND ($${n + 2}::text IS NULL OR pg_catalog.starts_with(e.stream, $${n + 2}::text))
      AND ($${n + 3}::text[] IS NULL OR e.event_type = ANY ($${n + 3}::text[])), false)`;
  return {
    text: `SELECT x.* FROM (
      SELECT ${columns}, ${hit} AS hit, e.ordinality AS n, count(*) OVER () AS total
      FROM ${source} WITH ORDINALITY AS e
    ) AS x WHERE x.hit OR x.n = x.total ORDER BY x.n`,
    values: [...params, stream ?? null, prefix ?? null, types ?? null],
  };
}

/** A predicate for `filter` (undefined: everything passes). */
export function matches(filter: EventFilter | undefined): ((e: LogEvent) => boolean) | undefined {
  if (!filter) return undefined;
  const { stream, streamPrefix, types } = filter;
  if (stream === undefined && streamPrefix === undefined && !types?.length) return undefined;
  const typeSet = types?.length ? new Set(types) : undefined;
  return (e) =>
    (stream === undefined || e.stream === stream) &&
    (streamPrefix === undefined || (e.stream !== null && e.stream.startsWith(streamPrefix))) &&
    (typeSet === undefined || typeSet.has(e.eventType));
}

function validate(o: SubscribeOptions): void {
  if (o.client !== undefined && o.from !== undefined) {
    throw new SubscribeError('EL060', `pass either client (${JSON.stringify(o.client)}) or from (${JSON.stringify(o.from)}), not both`);
  }
  if (o.from !== undefined && !/^(0|[1-9][0-9]{0,18})$/.test(o.from)) {
    throw new SubscribeError('EL060', `from must be an etag (a non-negative integer), got ${JSON.stringify(o.from)}`);
  }
  if (o.client !== undefined && (typeof o.client !== 'string' || o.client.length === 0)) {
    throw new SubscribeError('EL060', `client must be a non-empty name, got ${JSON.stringify(o.client)}`);
  }
  if (o.delivery !== undefined && o.delivery !== 'at-least-once' && o.delivery !== 'in-transaction') {
    throw new SubscribeError('EL060', `delivery must be 'at-least-once' or 'in-transaction', got ${JSON.stringify(o.delivery)}`);
  }
  if (o.delivery === 'in-transaction' && o.client === undefined) {
    throw new SubscribeError('EL060', "delivery 'in-transaction' needs a named client (client: '…'); a position has no cursor to move");
  }
  const n = o.batchSize ?? 100;
  if (!Number.isInteger(n) || n < 1 || n > 10_000) {
    throw new SubscribeError('EL060', `batchSize must be an integer between 1 and 10000, got ${String(o.batchSize)}`);
  }
  const p = o.pollIntervalMs ?? 1000;
  if (!(typeof p === 'number' && p > 0 && Number.isFinite(p))) {
    throw new SubscribeError('EL060', `pollIntervalMs must be a positive number, got ${String(o.pollIntervalMs)}`);
  }
}

/**
 * The events of the log in batches, for `for await (const batch of subscribe(options))`.
 * At-least-once: a batch is acknowledged when the loop asks for the next one (breaking out of the
 * loop, or throwing, leaves it unacknowledged: it comes again). In-transaction: the batch's
 * transaction commits then (a break or throw rolls it back). A position subscriber keeps its
 * position in memory (`batch.after`). Options are checked at once (SubscribeError, code EL060).
 */
export function subscribe(options: SubscribeOptions): AsyncIterable<Batch> {
  validate(options);
  return { [Symbol.asyncIterator]: () => run(options) };
}

async function* run(o: SubscribeOptions): AsyncGenerator<Batch, void, undefined> {
  const schema = quoteIdent(o.schema ?? DEFAULT_SCHEMA);
  const batchSize = o.batchSize ?? 100;
  const pollMs = o.pollIntervalMs ?? 1000;
  const delivery = o.client === undefined ? 'position' : (o.delivery ?? 'at-least-once');
  const keep = matches(o.filter);
  const signal = o.signal;

  // Wake-ups: any wake since the last read means "read again before waiting".
  let woken = false;
  let wakeWaiter: (() => void) | undefined;
  const onWake = () => {
    woken = true;
    wakeWaiter?.();
  };
  const ownWakeups = o.wakeups === undefined ? new Wakeups({ connectionString: o.connectionString, schema: o.schema, onError: o.onError }) : undefined;
  const wakeups = o.wakeups === false ? undefined : (o.wakeups ?? ownWakeups);
  wakeups?.on('wake', onWake);
  // A listener of our own connects in the background; until it does, polling covers.
  ownWakeups?.start().catch((err) => o.onError?.(asError(err)));

  let client: pg.Client | undefined;
  let position = o.from ?? '0';
  let attempt = 0;

  const drop = async () => {
    const c = client;
    client = undefined;
    await c?.end().catch(() => {});
  };
  /** Waits for a wake-up, the poll interval or the abort, whichever comes first. */
  const waitForWake = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        wakeWaiter = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakeWaiter = done;
      signal?.addEventListener('abort', done, { once: true });
    });

  // Unnamed statements throughout: a named one is prepared on one server connection, and a
  // transaction pooler (PgBouncer before 1.21, e.g. Debian 12's 1.18) runs the next call on another.
  // The filter runs in the database (filteredRead): only matches, and the batch's last row as
  // the position, come back.
  const query = (source: string, params: unknown[]) => filteredRead(source, COLUMNS, params, o.filter);
  const read = async (c: pg.Client): Promise<Row[]> => {
    if (delivery === 'position') {
      return (await c.query<Row>(query(`${schema}.get_event($1::bigint, $2::int)`, [position, batchSize]))).rows;
    }
    if (delivery === 'at-least-once') {
      return (await c.query<Row>(query(`${schema}.peek_event($1::text, $2::int)`, [o.client, batchSize]))).rows;
    }
    await c.query('BEGIN');
    const rows = (await c.query<Row>(query(`${schema}.get_event($1::text, $2::int)`, [o.client, batchSize]))).rows;
    if (rows.length === 0) await c.query('COMMIT'); // nothing was written
    return rows;
  };
  /** Makes the batch ending at `last` consumed: ack, commit, or just the position. */
  const finish = async (c: pg.Client, last: string) => {
    if (delivery === 'at-least-once') {
      try {
        await c.query({ text: `SELECT ${schema}.ack_event($1::text, $2::bigint)`, values: [o.client, last] });
      } catch (err) {
        // Someone moved the cursor meanwhile (seek_client, another worker of the client): EL010,
        // it is already past this batch; EL011, it was sought back. Either way the cursor is where
        // its owner put it, and the next peek follows it.
        const code = (err as { code?: string }).code;
        if (code !== 'EL010' && code !== 'EL011') throw err;
      }
    } else if (delivery === 'in-transaction') {
      await c.query('COMMIT');
    }
    position = last;
  };

  try {
    while (!signal?.aborted) {
      let rows: Row[];
      try {
        if (!client) {
          client = await connect({ connectionString: o.connectionString, applicationName: 'pg-eventlog subscribe' });
          // A named client moves its cursor, which a hot standby cannot record: refuse there, on
          // every (re)connect, rather than deliver batches that can never be acknowledged.
          if (delivery !== 'position' && (await client.query<{ standby: boolean }>('SELECT pg_catalog.pg_is_in_recovery() AS standby')).rows[0].standby) {
            throw new SubscribeError('EL061', `client ${JSON.stringify(o.client)} needs the primary: this connection reaches a hot standby, where a named client's cursor can be neither recorded nor acknowledged; connect to the primary, or follow a position (from) on the standby`);
          }
        }
        woken = false;
        rows = await read(client);
        attempt = 0;
      } catch (err) {
        if (err instanceof SubscribeError || !isConnectionError(err)) throw err;
        o.onError?.(asError(err));
        await drop();
        await sleep(backoffMs(attempt++, o.reconnectMinMs, o.reconnectMaxMs), signal);
        continue;
      }
      if (rows.length === 0) {
        await waitForWake(pollMs);
        continue;
      }
      const last = rows[rows.length - 1].etag;
      const events = (keep ? rows.filter((r) => r.hit) : rows).map(toEvent);
      if (events.length > 0) {
        const c = client;
        let completed = false;
        try {
          yield { events, after: last, ...(delivery === 'in-transaction' ? { transaction: c } : {}) };
          completed = true;
        } finally {
          // A break or throw in the loop: the batch is not consumed. In a transaction, roll it back.
          if (!completed && delivery === 'in-transaction') await c.query('ROLLBACK').catch(() => {});
        }
      }
      // The loop asked for the next batch (or everything was filtered out): consume this one.
      try {
        await finish(client, last);
      } catch (err) {
        if (!isConnectionError(err)) throw err;
        // Not acknowledged (or not known to be): after reconnecting, the batch comes again.
        o.onError?.(asError(err));
        await drop();
        await sleep(backoffMs(attempt++, o.reconnectMinMs, o.reconnectMaxMs), signal);
      }
    }
  } finally {
    wakeups?.off('wake', onWake);
    wakeWaiter = undefined;
    await drop();
    await ownWakeups?.close();
  }
}
