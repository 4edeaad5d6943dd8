// Options of `pg-eventlog serve`, their defaults (in one place) and the security rules that are
// checked before the server listens. See docs/push.md, "serve".
import { isIP } from 'node:net';
import type { Wakeups } from '../wake/index.ts';

export interface Logger {
  (message: string): void;
}

export interface ServeOptions {
  /** postgres:// URL; without it pg reads DATABASE_URL, then PG* variables. Use a role with eventlog_reader only. */
  connectionString?: string;
  /** Install schema (default eventlog). */
  schema?: string;
  /** Address to listen on (default 127.0.0.1). Anything but a loopback address needs `token`. */
  host?: string;
  /** TCP port (default 8080; 0 picks a free one). */
  port?: number;
  /** Bearer token every request but /healthz must carry (`Authorization: Bearer …`, or `?access_token=` for EventSource). */
  token?: string;
  /** Origins allowed to read the stream from a browser on another origin (`*` for any). Default: none (same origin only). */
  corsOrigins?: string[];
  /** Events per database read while replaying (default 500, at most 10000). */
  batchSize?: number;
  /** Bytes queued for one subscriber that is not reading before it is closed (default 1 MiB). */
  maxBufferBytes?: number;
  /** Recent events the shared tail keeps so that a subscriber catching up can join it without a query (default 10000). */
  tailCacheEvents?: number;
  /** How often the shared tail polls the log when no wake-up comes (default 250 ms; wake-ups make it react sooner). */
  pollIntervalMs?: number;
  /** Interval of the heartbeat comment on every stream (default 15000 ms). */
  heartbeatMs?: number;
  /** The `retry:` the browser is told to wait before reconnecting (default 2000 ms). */
  retryMs?: number;
  /** Database connections for replays, client acknowledgements and the tail (default 10). */
  poolSize?: number;
  /**
   * Wake-ups for the shared tail (one per server): 'listen' (default) LISTENs for the notifications
   * of the wake watcher (`pg-eventlog wake`, one per database); 'watch' polls log_end() in this
   * process (no watcher needed; the path on a hot standby and through PgBouncer); false polls the
   * log only, every pollIntervalMs; or a Wakeups of your own (left open).
   */
  wakeups?: 'listen' | 'watch' | false | Wakeups;
  /** Stops the server, as close() does. */
  signal?: AbortSignal;
  /** Silent unless given. */
  log?: Logger;
}

export type ResolvedOptions = Required<Omit<ServeOptions, 'connectionString' | 'token' | 'signal' | 'log' | 'wakeups'>> &
  Pick<ServeOptions, 'connectionString' | 'token' | 'signal' | 'wakeups'> & { log: Logger };

export const DEFAULTS = {
  schema: 'eventlog',
  host: '127.0.0.1',
  port: 8080,
  corsOrigins: [] as string[],
  batchSize: 500,
  maxBufferBytes: 1024 * 1024,
  tailCacheEvents: 10_000,
  pollIntervalMs: 250,
  heartbeatMs: 15_000,
  retryMs: 2_000,
  poolSize: 10,
} as const;

/** Shortest token accepted: 16 characters (e.g. `openssl rand -hex 16` gives 32). */
export const MIN_TOKEN_LENGTH = 16;

/** An error of serve's own, with a stable `code`. */
export class ServeError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'ServeError';
  }
}

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and the name localhost. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h) || /^0{0,4}(:0{0,4}){6}:0{0,3}1$/.test(h);
  return false;
}

function positiveInt(name: string, value: number, max = Number.MAX_SAFE_INTEGER, min = 1): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ServeError('ERR_SERVE_OPTION', `${name} must be an integer between ${min} and ${max}, got ${String(value)}`);
  }
  return value;
}

/** Defaults filled in, every value checked; throws ServeError before anything listens. */
export function resolveOptions(o: ServeOptions): ResolvedOptions {
  const host = o.host ?? DEFAULTS.host;
  const token = o.token === '' ? undefined : o.token;
  if (token !== undefined) {
    if (token.length < MIN_TOKEN_LENGTH || /[\s\x00-\x1f\x7f]/.test(token)) {
      throw new ServeError('ERR_SERVE_WEAK_TOKEN',
        `the token must be at least ${MIN_TOKEN_LENGTH} characters without spaces or control characters (got ${token.length} characters); generate one with: openssl rand -hex 16`);
    }
  }
  if (!isLoopback(host) && token === undefined) {
    throw new ServeError('ERR_SERVE_TOKEN_REQUIRED',
      `refusing to listen on ${host} without a token: only loopback addresses (127.0.0.1, ::1, localhost) may be served without one; pass --token (or PG_EVENTLOG_SERVE_TOKEN)`);
  }
  const schema = o.schema ?? DEFAULTS.schema;
  if (o.wakeups !== undefined && o.wakeups !== false && o.wakeups !== 'listen' && o.wakeups !== 'watch' && typeof o.wakeups !== 'object') {
    throw new ServeError('ERR_SERVE_OPTION', `wakeups must be 'listen', 'watch' or false, got ${JSON.stringify(o.wakeups)}`);
  }
  if (!/^[a-z_][a-z0-9_$]{0,62}$/.test(schema)) {
    throw new ServeError('ERR_SERVE_OPTION', `schema must be a lower-case SQL identifier, got ${JSON.stringify(schema)}`);
  }
  for (const origin of o.corsOrigins ?? []) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ServeError('ERR_SERVE_OPTION', `a CORS origin is * or scheme://host[:port] without a path, got ${JSON.stringify(origin)}`);
    }
  }
  return {
    connectionString: o.connectionString ?? (process.env.DATABASE_URL || undefined),
    token,
    signal: o.signal,
    wakeups: o.wakeups ?? 'listen',
    log: o.log ?? (() => {}),
    schema,
    host,
    port: positiveInt('port', o.port ?? DEFAULTS.port, 65535, 0),
    corsOrigins: o.corsOrigins ?? [...DEFAULTS.corsOrigins],
    batchSize: positiveInt('batchSize', o.batchSize ?? DEFAULTS.batchSize, 10_000),
    maxBufferBytes: positiveInt('maxBufferBytes', o.maxBufferBytes ?? DEFAULTS.maxBufferBytes),
    tailCacheEvents: positiveInt('tailCacheEvents', o.tailCacheEvents ?? DEFAULTS.tailCacheEvents, 1_000_000),
    pollIntervalMs: positiveInt('pollIntervalMs', o.pollIntervalMs ?? DEFAULTS.pollIntervalMs),
    heartbeatMs: positiveInt('heartbeatMs', o.heartbeatMs ?? DEFAULTS.heartbeatMs),
    retryMs: positiveInt('retryMs', o.retryMs ?? DEFAULTS.retryMs, 3_600_000, 0),
    poolSize: positiveInt('poolSize', o.poolSize ?? DEFAULTS.poolSize, 1000, 2),
  };
}
