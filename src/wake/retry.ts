// Shared by the watcher, the listener and the subscriber: which errors mean "the connection is
// gone, reconnect", the backoff between attempts, and sleeps that an AbortSignal cuts short.
import net from 'node:net';
import pg from 'pg';

/** SQLSTATE classes and codes after which a new connection may succeed. */
const RECONNECTABLE = /^(08...|57P0[1-3]|53300)$/;

/**
 * True when `err` means the connection (or the server) went away and a new connection may work:
 * a network error, a closed socket, or a server error such as 57P01 (admin shutdown, as in a
 * restart) or 57P03 (the server is starting up). Errors of the query itself (a missing
 * function, a permission, a bad etag) are not: retrying them would fail the same way.
 */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; severity?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (typeof e.severity === 'string') return RECONNECTABLE.test(code);
  // Not a server error: a socket error (ECONNREFUSED, ECONNRESET, EPIPE …) or node-postgres'
  // own "Connection terminated" / "not queryable".
  return true;
}

/** Exponential backoff with jitter: 100 ms, 200 ms, … up to `maxMs`. */
export function backoffMs(attempt: number, minMs = 100, maxMs = 5_000): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 16));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface ConnectOptions {
  connectionString?: string;
  applicationName: string;
}

/** A connected client; errors on it after connecting surface as failed queries. */
export async function connect({ connectionString, applicationName }: ConnectOptions): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: connectionString ?? process.env.DATABASE_URL,
    application_name: applicationName,
    connectionTimeoutMillis: 10_000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  return client;
}

/** `"name"` with embedded quotes doubled. */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

export const DEFAULT_SCHEMA = 'eventlog';

/** The wake-up channel of an install schema: `<schema>_wake` (`eventlog_wake` by default). */
export function wakeChannel(schema: string = DEFAULT_SCHEMA): string {
  return `${schema}_wake`;
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Cancels the statement `client` is running with the protocol's CancelRequest: a new socket to
 * the host and port the client connected to, carrying its backend key. Works through PgBouncer
 * (which forwards it to the server connection running the client's statement). Resolves when the
 * other side has closed that socket, after `timeoutMs`, or on an error (the server is gone
 * anyway); never rejects.
 *
 * The socket stays open until the other side closes it, as libpq's PQcancel does: PostgreSQL
 * closes it once it has handled the request, PgBouncer (1.18 and later) once it has forwarded it.
 * PgBouncer may hold a request for a while before forwarding it (until it can open a server
 * connection to send it on, e.g. while another connection of the pool is logging in), and it
 * drops a request whose sender has closed its side meanwhile ("client unexpected eof"): a
 * request sent with a half-close, as this function did before, was lost whenever PgBouncer could
 * not forward it at once (docs/push.md, "PgBouncer"). Whether the statement ended is for the
 * caller to see: its reply (57014, or its result) is the only proof.
 */
export function cancelRequest(client: pg.Client, timeoutMs = 5_000): Promise<void> {
  const c = client as unknown as { host?: string; port?: number; processID?: number | null; secretKey?: number | null };
  if (c.processID == null || c.secretKey == null || !c.host || !c.port) return Promise.resolve();
  const request = Buffer.alloc(16);
  request.writeInt32BE(16, 0);
  request.writeInt32BE(80877102, 4); // the CancelRequest code
  request.writeInt32BE(c.processID, 8);
  request.writeInt32BE(c.secretKey, 12);
  return new Promise((resolve) => {
    const socket = c.host!.startsWith('/') ? net.connect(`${c.host}/.s.PGSQL.${c.port}`) : net.connect(c.port!, c.host);
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.once('connect', () => socket.write(request)); // no end(): see above
    socket.on('data', () => {}); // neither server answers; read to see the close
    socket.once('error', () => resolve());
    socket.once('close', () => resolve());
  });
}
