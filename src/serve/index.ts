// `pg-eventlog serve`: the log as Server-Sent Events over HTTP (node:http, no framework).
//
//   GET /events   the stream; ?from=<etag>, Last-Event-ID, ?client=<name>, ?stream=, ?stream_prefix=, ?type=
//   GET /healthz  200 when the database answers and the tail reads (no token needed)
//   GET /metrics  Prometheus text
//
// Design and guarantees: docs/push.md, "serve".
import { timingSafeEqual, createHash } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { resolveOptions, ServeError, type ResolvedOptions, type ServeOptions } from './options.ts';
import { comment, retry } from './sse.ts';
import { Subscription, type EventFilter, type SubscriptionCounters } from './subscription.ts';
import { Tail, toTailEvent, type EventRow } from './tail.ts';
import { Wakeups } from '../wake/index.ts';
import { filteredRead } from '../subscribe/index.ts';
import { backoffMs, isConnectionError, sleep } from '../wake/retry.ts';

export { DEFAULTS, isLoopback, MIN_TOKEN_LENGTH, ServeError, type ServeOptions, type Logger } from './options.ts';
export type { EventFilter } from './subscription.ts';

export interface ServeHandle {
  /** http://host:port of the server. */
  url: string;
  host: string;
  port: number;
  /** Ends every stream, stops the tail, closes every connection; resolves when all are gone. */
  close(): Promise<void>;
  /** Resolves when the server has closed (through close(), the signal or an error). */
  closed: Promise<void>;
}

/** A client request we refuse, with the HTTP status to answer. */
class RequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const ETAG = /^(0|[1-9][0-9]{0,18})$/;
const MAX_ETAG = 9223372036854775807n;
const PEEK_MAX = 10_000;

function parseEtag(what: string, value: string): string {
  if (!ETAG.test(value) || BigInt(value) > MAX_ETAG) {
    throw new RequestError(400, `${what} must be an etag (an integer from 0), got ${JSON.stringify(value.slice(0, 40))}`);
  }
  return value;
}

/** HTTP status for a refusal by the database (SQLSTATE), for a client mistake; else undefined. */
function statusFor(code: string | undefined): number | undefined {
  if (code === '42501') return 403;
  if (code === '22023' || code === '22004' || code === 'EL001' || code === 'EL011' || code === 'EL010') return 400;
  return undefined;
}

/** True when the database `pool` reaches is a hot standby (in recovery: read-only). */
async function inRecovery(pool: pg.Pool): Promise<boolean> {
  return (await pool.query<{ standby: boolean }>('SELECT pg_catalog.pg_is_in_recovery() AS standby')).rows[0]!.standby;
}

function promLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export async function serve(options: ServeOptions = {}): Promise<ServeHandle> {
  const o: ResolvedOptions = resolveOptions(options);
  const schema = o.schema; // checked to be a plain identifier by resolveOptions
  const pool = new pg.Pool({
    connectionString: o.connectionString,
    max: o.poolSize,
    application_name: 'pg-eventlog serve',
  });
  pool.on('error', (err) => o.log(`serve: idle database connection failed: ${err.message}`));

  // ONE wake-up source for the whole server, shared by the tail (and so by every subscriber).
  const ownWakeups = o.wakeups === 'listen' || o.wakeups === 'watch'
    ? new Wakeups({ connectionString: o.connectionString, schema, mode: o.wakeups, onError: (e) => o.log(`serve: wake-ups: ${e.message}`) })
    : undefined;
  const wakeups = ownWakeups ?? (typeof o.wakeups === 'object' ? o.wakeups : undefined);
  const tail = new Tail({
    pool,
    connectionString: o.connectionString,
    schema,
    batchSize: o.batchSize,
    cacheEvents: o.tailCacheEvents,
    cacheBytes: Math.max(16 * 1024 * 1024, o.maxBufferBytes * 4),
    pollIntervalMs: o.pollIntervalMs,
    wakeups,
    log: o.log,
  });
  try {
    // An option that cannot work on a hot standby is refused before anything listens.
    if (o.wakeups === 'listen' && (await inRecovery(pool))) {
      throw new ServeError('EL061',
        'EL061: --wakeups listen cannot work on a hot standby: LISTEN is refused during recovery and the primary\'s notifications do not reach standbys; use --wakeups watch (it waits for log_end() on the standby itself)');
    }
    await tail.start();
    await ownWakeups?.start();
  } catch (err) {
    await tail.close();
    await ownWakeups?.close();
    await pool.end().catch(() => {});
    throw err;
  }

  const counters: SubscriptionCounters = { eventsSent: 0, slowClosed: 0, maxQueuedBytes: 0 };
  let connections = 0;
  let replayRowsRead = 0;
  const subscriptions = new Set<Subscription>();
  const tasks = new Set<Promise<void>>();
  let closing = false;
  const tokenHash = o.token === undefined ? undefined : createHash('sha256').update(o.token).digest();

  const authorized = (req: IncomingMessage, url: URL): boolean => {
    if (tokenHash === undefined) return true;
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice(7).trim() : url.searchParams.get('access_token');
    if (!given) return false;
    return timingSafeEqual(createHash('sha256').update(given).digest(), tokenHash);
  };

  const cors = (req: IncomingMessage, res: ServerResponse): void => {
    const origin = req.headers.origin;
    if (!origin || o.corsOrigins.length === 0) return;
    if (o.corsOrigins.includes('*')) res.setHeader('Access-Control-Allow-Origin', '*');
    else if (o.corsOrigins.includes(origin)) res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
  };

  const refuse = (res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}) => {
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
    res.end(`${message}\n`);
  };

  const onSubscriptionClosed = (s: Subscription, reason: string) => {
    subscriptions.delete(s);
    tail.detach(s);
    o.log(`serve: closed a stream${s.client ? ` of client ${s.client}` : ''} at etag ${s.position}: ${reason}`);
  };

  // Named-client mode: the browser's Last-Event-ID is what it received, so the client's cursor
  // moves there. ack_event accepts only etags peek_event returned; events the stream sent after
  // its first peek came from stateless reads, so when ack refuses with EL011 we peek forward in
  // steps (acknowledging each step's end, which the browser also received) until the batch holds it.
  const acknowledge = async (client: string, etag: string): Promise<void> => {
    const ack = (e: string) => pool.query(`SELECT ${schema}.ack_event($1::text, $2::bigint)`, [client, e]);
    try {
      await ack(etag);
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'EL010' || code === '42704') return; // already acknowledged (by another tab), or a client that is gone: start at its cursor
      if (code !== 'EL011') throw err;
    }
    for (;;) {
      const { rows } = await pool.query<{ etag: string }>(`SELECT etag::text AS etag FROM ${schema}.peek_event($1::text, $2::integer)`, [client, PEEK_MAX]);
      if (rows.some((r) => r.etag === etag) || rows.length < PEEK_MAX) {
        await ack(etag);
        return;
      }
      await ack(rows.at(-1)!.etag);
    }
  };

  // A replay's read. Its filter runs in the database (filteredRead): what comes back is the
  // matching events, plus the batch's last event as the position when it does not match, which
  // Subscription.deliver passes over (it filters again, as for the tail's batches).
  const readAfter = async (after: string, filter: EventFilter): Promise<EventRow[]> => {
    const { rows } = await pool.query<EventRow>(filteredRead(`${schema}.get_event($1::bigint, $2::integer)`, 'etag::text AS etag, event_type, stream, payload', [after, o.batchSize], filter));
    replayRowsRead += rows.length;
    return rows;
  };

  const openStream = (req: IncomingMessage, res: ServerResponse, filter: EventFilter, client: string | undefined, after: string): Subscription => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    req.socket.setNoDelay(true);
    req.socket.setKeepAlive(true);
    const s = new Subscription(res, filter, client, after, o.maxBufferBytes, counters, onSubscriptionClosed);
    subscriptions.add(s);
    connections++;
    s.write(retry(o.retryMs));
    return s;
  };

  // A read for an open stream while the database may be away (restarting, crashed): retried with
  // backoff until it answers or the subscriber leaves (undefined then). An EventSource must not
  // be answered with an error status for that, since it would never reconnect again: the stream
  // is open (200) and simply starts or continues when the database is back.
  const retrying = async <T>(s: Subscription, read: () => Promise<T>): Promise<T | undefined> => {
    for (let attempt = 0; ; attempt++) {
      if (s.isClosed) return undefined;
      try {
        return await read();
      } catch (err) {
        if (!isConnectionError(err)) throw err;
        if (attempt === 0) o.log(`serve: a stream waits for the database: ${(err as Error).message}`);
        await sleep(backoffMs(attempt, 100, 2000), s.closedSignal);
      }
    }
  };
  /** `read()`, or undefined if the database is not reachable (the stream then opens and retries). */
  const unlessUnreachable = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      return undefined;
    }
  };

  // Replays from s.position in bounded batches until the tail can take over, then attaches.
  const follow = async (s: Subscription, first?: EventRow[]): Promise<void> => {
    let batch = first;
    for (;;) {
      if (s.isClosed) return;
      if (batch === undefined) {
        const back = tail.backlog(s.position, o.batchSize);
        if (back) {
          s.deliver(back);
          s.state = 'live';
          tail.attach(s);
          return;
        }
        batch = await retrying(s, () => readAfter(s.position, s.filter));
      }
      if (s.isClosed || batch === undefined) return;
      if (batch.length === 0) {
        // Caught up with what is final, but the tail has not reached this position yet.
        await tail.nextRound(s.closedSignal);
      } else {
        s.deliver(batch.map(toTailEvent));
        await s.drained();
      }
      batch = undefined;
    }
  };

  const events = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const q = url.searchParams;
    const filter: EventFilter = {};
    if (q.has('stream')) filter.stream = q.get('stream')!;
    if (q.has('stream_prefix')) filter.streamPrefix = q.get('stream_prefix')!;
    const types = q.getAll('type').flatMap((t) => t.split(',')).filter((t) => t !== '');
    if (types.length) filter.types = types;
    const client = q.get('client') ?? undefined;
    const lastId = req.headers['last-event-id'];
    const lastEventId = typeof lastId === 'string' && lastId.trim() !== '' ? parseEtag('Last-Event-ID', lastId.trim()) : undefined;
    const from = q.has('from') ? parseEtag('from', q.get('from')!) : undefined;
    if (client !== undefined && from !== undefined) {
      throw new RequestError(400, 'pass either client or from, not both: a named client starts at its cursor (seek it with seek_client)');
    }
    if (client === '') throw new RequestError(400, 'client must not be empty');

    if (client !== undefined) {
      // A named client's stream writes its cursor (peek_event records what it hands out,
      // ack_event moves the cursor): not on a hot standby, where the peek records nothing and
      // the ack cannot write. Asked on every such request, so a promoted standby serves them.
      // Unknown while the database is unreachable: the stream then opens and waits for it (below).
      if (await unlessUnreachable(() => inRecovery(pool))) {
        throw new RequestError(503, `EL061: named clients need the primary: this server reads a hot standby, where a client's cursor can be neither recorded nor acknowledged (client ${JSON.stringify(client.slice(0, 63))}); open ?client= streams on a serve connected to the primary. Streams without a client (?from=, Last-Event-ID, new events) work here`);
      }
      // The first batch comes from peek_event, so that the cursor's position needs no lookup and
      // the client is created (at the beginning) on first use; the rest is read statelessly.
      const peek = async () => (await pool.query<EventRow>(
        `SELECT etag::text AS etag, event_type, stream, payload FROM ${schema}.peek_event($1::text, $2::integer)`, [client, o.batchSize])).rows;
      const begin = async () => {
        if (lastEventId !== undefined) await acknowledge(client, lastEventId);
        return peek();
      };
      // Refusals (403, 400) come before the stream starts; an unreachable database does not.
      let rows = await unlessUnreachable(begin);
      const s = openStream(req, res, filter, client, '0');
      rows ??= await retrying(s, begin);
      while (rows !== undefined && rows.length === 0) {
        await tail.nextRound(s.closedSignal);
        rows = await retrying(s, peek);
      }
      if (rows === undefined || s.isClosed) return;
      s.deliver(rows.map(toTailEvent));
      await s.drained();
      await follow(s);
      return;
    }

    const after = lastEventId ?? from;
    if (after === undefined) {
      // Neither: from now on.
      const s = openStream(req, res, filter, undefined, tail.head!);
      await follow(s);
      return;
    }
    // Refuses an etag that is not in the log (EL001) before the stream starts; while the database
    // is unreachable the stream opens and the replay waits for it.
    const first = await unlessUnreachable(() => readAfter(after, filter));
    const s = openStream(req, res, filter, undefined, after);
    await follow(s, first);
  };

  const metrics = async (): Promise<string> => {
    const byState = { replaying: 0, live: 0 };
    let queued = 0;
    const clients = new Set<string>();
    for (const s of subscriptions) {
      if (s.state !== 'closed') byState[s.state]++;
      queued += s.queuedBytes;
      if (s.client) clients.add(s.client);
    }
    const lines = [
      '# HELP pg_eventlog_serve_subscribers Open /events streams, by whether they are replaying from the log or following the shared tail.',
      '# TYPE pg_eventlog_serve_subscribers gauge',
      `pg_eventlog_serve_subscribers{state="replaying"} ${byState.replaying}`,
      `pg_eventlog_serve_subscribers{state="live"} ${byState.live}`,
      '# HELP pg_eventlog_serve_streams_opened_total /events streams opened since the server started.',
      '# TYPE pg_eventlog_serve_streams_opened_total counter',
      `pg_eventlog_serve_streams_opened_total ${connections}`,
      '# HELP pg_eventlog_serve_events_sent_total Events written to subscribers (each copy counts).',
      '# TYPE pg_eventlog_serve_events_sent_total counter',
      `pg_eventlog_serve_events_sent_total ${counters.eventsSent}`,
      '# HELP pg_eventlog_serve_slow_subscribers_closed_total Streams closed because the subscriber did not read its queue.',
      '# TYPE pg_eventlog_serve_slow_subscribers_closed_total counter',
      `pg_eventlog_serve_slow_subscribers_closed_total ${counters.slowClosed}`,
      '# HELP pg_eventlog_serve_queued_bytes Bytes waiting in subscriber queues.',
      '# TYPE pg_eventlog_serve_queued_bytes gauge',
      `pg_eventlog_serve_queued_bytes ${queued}`,
      '# HELP pg_eventlog_serve_queued_bytes_max The longest queue one subscriber has had since the server started (the bound is --max-buffer plus one batch).',
      '# TYPE pg_eventlog_serve_queued_bytes_max gauge',
      `pg_eventlog_serve_queued_bytes_max ${counters.maxQueuedBytes}`,
      '# HELP pg_eventlog_serve_replay_rows_read_total Rows replays read from the database: the events that match their filters, plus at most one per read (its last event, as the position).',
      '# TYPE pg_eventlog_serve_replay_rows_read_total counter',
      `pg_eventlog_serve_replay_rows_read_total ${replayRowsRead}`,
      '# HELP pg_eventlog_serve_tail_events_read_total Events the shared tail read from the log.',
      '# TYPE pg_eventlog_serve_tail_events_read_total counter',
      `pg_eventlog_serve_tail_events_read_total ${tail.eventsRead}`,
      '# HELP pg_eventlog_serve_tail_etag The etag the shared tail has read up to.',
      '# TYPE pg_eventlog_serve_tail_etag gauge',
      `pg_eventlog_serve_tail_etag ${tail.head ?? 0}`,
    ];
    if (clients.size) {
      const { rows } = await pool.query<{ client: string; lag_events: string; lag_seconds: number }>(
        `SELECT s.client, max(s.lag_events)::text AS lag_events, coalesce(max(extract(epoch FROM s.lag_time)), 0)::float8 AS lag_seconds
         FROM ${schema}.client_status() AS s WHERE s.client = ANY($1::text[]) GROUP BY s.client ORDER BY s.client`,
        [[...clients]],
      );
      lines.push(
        '# HELP pg_eventlog_serve_client_lag_events Events after the acknowledged cursor of each named client a stream follows (counted on the lag budget of the clients view, up to 100,000).',
        '# TYPE pg_eventlog_serve_client_lag_events gauge',
        ...rows.map((r) => `pg_eventlog_serve_client_lag_events{client="${promLabel(r.client)}"} ${r.lag_events}`),
        '# HELP pg_eventlog_serve_client_lag_seconds Age of the oldest event after the acknowledged cursor of each named client a stream follows.',
        '# TYPE pg_eventlog_serve_client_lag_seconds gauge',
        ...rows.map((r) => `pg_eventlog_serve_client_lag_seconds{client="${promLabel(r.client)}"} ${r.lag_seconds}`),
      );
    }
    return `${lines.join('\n')}\n`;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://serve.invalid');
    cors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Last-Event-ID, Cache-Control',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (closing) return refuse(res, 503, 'the server is shutting down', { Connection: 'close' });
    if (url.pathname === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'use GET', { Allow: 'GET, HEAD' });
      try {
        await pool.query(`SELECT ${schema}.version()`);
      } catch (err) {
        return refuse(res, 503, `the database does not answer: ${(err as Error).message}`);
      }
      if (tail.lastError) return refuse(res, 503, `the tail cannot read the log: ${tail.lastError.message}`);
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end('ok\n');
      return;
    }
    if (url.pathname !== '/events' && url.pathname !== '/metrics') return refuse(res, 404, `no such path: ${url.pathname.slice(0, 100)} (try /events, /healthz, /metrics)`);
    if (req.method !== 'GET') return refuse(res, 405, 'use GET', { Allow: 'GET' });
    if (!authorized(req, url)) {
      return refuse(res, 401, 'a bearer token is required: send Authorization: Bearer <token>, or ?access_token=<token> from an EventSource', { 'WWW-Authenticate': 'Bearer realm="pg-eventlog"' });
    }
    if (url.pathname === '/metrics') {
      const body = await metrics();
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(body);
      return;
    }
    await events(req, res, url);
  };

  const server = http.createServer((req, res) => {
    const task = handle(req, res).catch((err) => {
      const status = err instanceof RequestError ? err.status : statusFor((err as { code?: string }).code);
      if (status === undefined) o.log(`serve: ${req.method} ${req.url}: ${(err as Error).message}`);
      const code = (err as { code?: string }).code;
      refuse(res, status ?? 500, `${status ? '' : 'internal error: '}${(err as Error).message}${code && !(err instanceof RequestError) ? ` (SQLSTATE ${code})` : ''}`);
    });
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
  });
  server.requestTimeout = 0; // a stream is one long response
  server.headersTimeout = 10_000;

  const heartbeat = setInterval(() => {
    const hb = comment('heartbeat');
    for (const s of subscriptions) s.write(hb);
  }, o.heartbeatMs);
  heartbeat.unref();
  const sweep = setInterval(() => {
    for (const s of [...subscriptions]) s.closeIfOverBound();
  }, 1000);
  sweep.unref();

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    clearInterval(heartbeat);
    clearInterval(sweep);
    await tail.close();
    await ownWakeups?.close();
    await pool.end().catch(() => {});
    const e = err as NodeJS.ErrnoException;
    throw new ServeError('ERR_SERVE_LISTEN', `cannot listen on ${o.host}:${o.port}: ${e.message}`);
  }
  const address = server.address() as AddressInfo;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));

  let closingPromise: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closingPromise ??= (async () => {
      closing = true;
      clearInterval(heartbeat);
      clearInterval(sweep);
      const stopped = new Promise<void>((r) => server.close(() => r()));
      for (const s of [...subscriptions]) {
        s.write(comment('the server is shutting down; reconnect'));
        s.close('the server is shutting down');
      }
      server.closeIdleConnections();
      await tail.close();
      await ownWakeups?.close();
      await Promise.allSettled([...tasks]);
      server.closeAllConnections();
      await stopped;
      await pool.end().catch(() => {});
      resolveClosed();
    })();
    return closingPromise;
  };
  if (o.signal) {
    if (o.signal.aborted) await close();
    else o.signal.addEventListener('abort', () => void close(), { once: true });
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  o.log(`serve: listening on http://${host}:${address.port} (tail at etag ${tail.head})`);
  return { url: `http://${host}:${address.port}`, host: address.address, port: address.port, close, closed };
}
