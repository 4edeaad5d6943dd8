// The reference relay: reads a logical replication slot (pgoutput, on the publication that
// enable_publication() made) and hands every committed event to a sink as one JSON line, a
// transaction at a time. The slot's position is confirmed to the server only after the sink
// has taken the whole transaction, so a relay that crashes or is killed delivers again, on its
// next start, every transaction it had not confirmed: at least once, in commit order. A consumer
// deduplicates on etag (docs/kafka.md#the-reference-relay).
import pg from 'pg';
import { PgoutputPlugin } from 'pg-logical-replication';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

/** Where the relay writes. `write` resolves once the lines are handed on (a rejection stops the relay). */
export interface RelaySink {
  write(lines: string[]): Promise<void>;
}

export interface RelayOptions {
  /** postgres:// URL; without it, the PG* variables. The role needs the REPLICATION attribute (or superuser). */
  connectionString?: string;
  /** The logical replication slot (plug-in pgoutput) to read. */
  slot: string;
  /** The publication to decode. Default: `eventlog`. */
  publication?: string;
  /** The schema of the log. Default: `eventlog`. */
  schema?: string;
  /** Create the slot when it does not exist. Default: false. */
  createSlot?: boolean;
  sink: RelaySink;
  /** Most lines per `sink.write` inside one large transaction; the position is confirmed at its commit only. Default: 1000. */
  batchSize?: number;
  /** How often to tell the server where the relay stands, also when idle. Default: 10000 ms. */
  statusIntervalMs?: number;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface RelayHandle {
  /** Resolves when the relay stopped (close() or the signal); rejects with the error that stopped it. */
  done: Promise<void>;
  /** Stops reading, confirms what was written, closes the connections; resolves when everything is gone. */
  close(): Promise<void>;
}

/** Errors of the relay itself (not PostgreSQL's, which keep their SQLSTATE in `code`). */
export class RelayError extends Error {
  constructor(message: string, readonly code: 'NO_SLOT' | 'WRONG_SLOT' | 'NO_PUBLICATION' | 'SINK_FAILED' | 'PROTOCOL') {
    super(message);
    this.name = 'RelayError';
  }
}

const DEFAULTS = { publication: 'eventlog', schema: 'eventlog', createSlot: false, batchSize: 1000, statusIntervalMs: 10_000 };
const silent: Logger = { info() {}, warn() {} };

export const parseLsn = (lsn: string): bigint => {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
};
export const formatLsn = (lsn: bigint): string =>
  `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;

/** microseconds since 2000-01-01, the replication protocol's clock */
const pgNow = () => (BigInt(Date.now()) - 946_684_800_000n) * 1000n;

const sqlLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** One event as a JSON line: numbers and the JSON columns as PostgreSQL wrote them (no float rounding). */
function eventLine(row: Record<string, string | null>, lsn: string): string {
  const str = (v: string | null) => (v === null ? 'null' : JSON.stringify(v));
  const ctime = row.ctime === null ? null : row.ctime.replace(' ', 'T').replace(/\+00$/, 'Z');
  return `{"etag":${row.etag},"tx_order":${row.tx_order},"ctime":${str(ctime)},"event_type":${str(row.event_type)},`
    + `"stream":${str(row.stream)},"version":${row.version ?? 'null'},"payload":${row.payload ?? 'null'},`
    + `"metadata":${row.metadata ?? 'null'},"lsn":"${lsn}"}`;
}

/** Starts the relay. */
export function startRelay(options: RelayOptions): RelayHandle {
  const o = { ...DEFAULTS, ...options };
  const log = o.logger ?? silent;
  const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [o.publication] });
  let client: pg.Client | undefined;
  let statusTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  let confirmed = 0n;
  let lastStatus = 0;
  let stop: (err?: Error) => void = () => {};

  const sendStatus = (lsn: bigint, reply = false) => {
    const connection = (client as unknown as { connection?: { sendCopyFromChunk(b: Buffer): void } } | undefined)?.connection;
    if (!connection) return;
    const b = Buffer.alloc(34);
    b.write('r', 0);
    b.writeBigUInt64BE(lsn, 1); // written
    b.writeBigUInt64BE(lsn, 9); // flushed: what the server may forget, and where a restart resumes
    b.writeBigUInt64BE(lsn, 17); // applied
    b.writeBigInt64BE(pgNow(), 25);
    b.writeUInt8(reply ? 1 : 0, 33);
    connection.sendCopyFromChunk(b);
    lastStatus = Date.now();
  };

  const done = (async () => {
    // Check the slot and the publication on a plain connection first, with messages that say what to do.
    const setup = new pg.Client({ connectionString: o.connectionString });
    await setup.connect();
    try {
      const slot = (await setup.query<{ plugin: string; database: string; slot_type: string }>(
        'SELECT plugin, database, slot_type FROM pg_catalog.pg_replication_slots WHERE slot_name = $1', [o.slot])).rows[0];
      const database = (await setup.query<{ db: string }>('SELECT pg_catalog.current_database() AS db')).rows[0].db;
      if (!slot && o.createSlot) {
        await setup.query('SELECT pg_catalog.pg_create_logical_replication_slot($1, $2)', [o.slot, 'pgoutput']);
        log.info(`created slot ${o.slot} (pgoutput) in database ${database}`);
      } else if (!slot) {
        throw new RelayError(`slot ${o.slot} does not exist; create it with --create-slot, or SELECT pg_create_logical_replication_slot('${o.slot}', 'pgoutput')`, 'NO_SLOT');
      } else if (slot.slot_type !== 'logical' || slot.plugin !== 'pgoutput' || slot.database !== database) {
        throw new RelayError(`slot ${o.slot} is a ${slot.slot_type} slot on plug-in ${slot.plugin ?? 'none'} in database ${slot.database ?? 'none'}; the relay needs a logical pgoutput slot in ${database}`, 'WRONG_SLOT');
      }
      const pub = await setup.query('SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = $1', [o.publication]);
      if (pub.rowCount === 0) {
        throw new RelayError(`publication ${o.publication} does not exist; create it with SELECT * FROM ${o.schema}.enable_publication(${sqlLiteral(o.publication)})`, 'NO_PUBLICATION');
      }
    } finally {
      await setup.end();
    }

    client = new pg.Client({ connectionString: o.connectionString, replication: 'database' } as pg.ClientConfig);
    client.on('error', () => {}); // reported through the query below
    await client.connect();
    if (stopping) {
      await client.end().catch(() => {});
      return;
    }
    const connection = (client as unknown as { connection: NodeJS.EventEmitter & { stream: NodeJS.ReadableStream } }).connection;

    // Messages are handled one at a time, in order; the socket is paused while the sink writes.
    const queue: Buffer[] = [];
    let busy = false;
    let failed: Error | undefined;
    let inTransaction = false;
    let lines: string[] = [];
    let commitLsn = '';
    const relations = new Map<number, boolean>();

    const handle = async (buffer: Buffer) => {
      if (buffer[0] === 0x6b) {
        // keepalive: the server's WAL end, and whether it wants an answer now
        const walEnd = buffer.readBigUInt64BE(1);
        const reply = buffer.readUInt8(17) === 1;
        // Between transactions every earlier message is handled and confirmed, so the relay may
        // confirm the server's position: WAL of other tables no longer stays behind the slot.
        if (!inTransaction && walEnd > confirmed) confirmed = walEnd;
        if (reply || Date.now() - lastStatus >= o.statusIntervalMs) sendStatus(confirmed);
        return;
      }
      if (buffer[0] !== 0x77) throw new RelayError(`unexpected replication message type ${buffer[0]}`, 'PROTOCOL');
      const msg = plugin.parse(buffer.subarray(25)) as unknown as Record<string, any>;
      switch (msg.tag) {
        case 'relation': {
          // Keep every value as the text PostgreSQL sent: no float rounding of JSON numbers or bigints.
          for (const column of msg.columns as { parser: (v: string) => unknown }[]) column.parser = (v: string) => v;
          relations.set(msg.relationOid, msg.schema === o.schema && msg.name === 'events');
          break;
        }
        case 'begin':
          inTransaction = true;
          lines = [];
          commitLsn = formatLsn(parseLsn(msg.commitLsn));
          break;
        case 'insert':
          if (!relations.get(msg.relation.relationOid)) break;
          lines.push(eventLine(msg.new, commitLsn));
          if (lines.length >= o.batchSize) {
            const batch = lines;
            lines = [];
            await o.sink.write(batch);
          }
          break;
        case 'commit': {
          if (lines.length) await o.sink.write(lines);
          lines = [];
          inTransaction = false;
          // Confirm the end of the commit record only now that the sink has taken the transaction.
          confirmed = parseLsn(msg.commitEndLsn);
          sendStatus(confirmed);
          break;
        }
        default:
          break; // type, origin, update, delete, truncate: not part of an insert-only publication of the log
      }
    };

    const drain = async () => {
      if (busy) return;
      busy = true;
      connection.stream.pause();
      try {
        while (queue.length && !failed && !stopping) await handle(queue.shift()!);
      } catch (err) {
        failed = err instanceof RelayError || (err as { code?: string }).code ? (err as Error)
          : new RelayError(`the sink failed, the transaction stays unconfirmed and is delivered again on the next start: ${(err as Error).message}`, 'SINK_FAILED');
        stop(failed);
      } finally {
        busy = false;
        if (!failed && !stopping) connection.stream.resume();
      }
    };

    connection.on('copyData', ({ chunk }: { chunk: Buffer }) => {
      queue.push(chunk);
      void drain();
    });

    const stopped = new Promise<void>((resolve, reject) => {
      stop = (err?: Error) => (err ? reject(err) : resolve());
    });
    statusTimer = setInterval(() => {
      if (Date.now() - lastStatus >= o.statusIntervalMs) sendStatus(confirmed);
    }, Math.min(o.statusIntervalMs, 1000));
    log.info(`relaying slot ${o.slot}, publication ${o.publication}`);
    const streaming = plugin.start(client, o.slot, '0/0').then(
      () => stop(),
      (err: Error) => stop(stopping ? undefined : err),
    );
    try {
      await stopped;
    } finally {
      clearInterval(statusTimer);
      stopping = true;
      await client.end().catch(() => {});
      await streaming;
    }
  })();

  const close = async () => {
    if (!stopping) {
      stopping = true;
      stop();
    }
    await done.catch(() => {});
  };
  o.signal?.addEventListener('abort', () => void close(), { once: true });
  if (o.signal?.aborted) void close();
  return { done, close };
}

/** A sink writing each line to a stream (stdout), resolving once the stream took them, with its back-pressure. */
export function streamSink(stream: NodeJS.WritableStream): RelaySink {
  return {
    write: (lines) =>
      new Promise<void>((resolve, reject) => {
        stream.write(lines.join('\n') + '\n', (err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** A sink POSTing each batch as application/x-ndjson; any status but 2xx is a failure. */
export function webhookSink(url: string, { timeoutMs = 30_000 }: { timeoutMs?: number } = {}): RelaySink {
  return {
    async write(lines) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: lines.join('\n') + '\n',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`webhook ${url} answered ${res.status} ${res.statusText}`);
    },
  };
}
