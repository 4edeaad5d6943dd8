// Wake-ups without a NOTIFY in any writer's transaction (docs/push.md).
//
// WakeWatcher: one per database. It waits on the server (CALL eventlog.await_log_end(), which
// checks eventlog.log_end(), the etag of the last readable event, every millisecond, and commits
// after each check, so it holds no lock while it sleeps) on one connection and, each time the end
// moves, sends ONE notification on the wake channel with that etag as the
// payload. Writers do nothing extra; the only NOTIFY is the watcher's own.
//
// Wakeups: one per process. It LISTENs on the wake channel and emits 'wake' for every
// notification (and once after every (re)connect, since notifications sent while it was away are
// lost). Subscribers share it. With `mode: 'watch'` it runs a watcher in-process instead of
// listening, without notifying: the working path on a hot standby (no LISTEN/NOTIFY there) and
// through PgBouncer in transaction mode (no LISTEN).
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { asError, backoffMs, cancelRequest, connect, DEFAULT_SCHEMA, isConnectionError, quoteIdent, sleep, wakeChannel } from './retry.ts';


export { wakeChannel, isConnectionError } from './retry.ts';

export interface Wake {
  /** Etag of the last readable event when the watcher saw the log end move ('0': empty log). */
  etag: string;
}

export interface WakeWatcherOptions {
  /** Default: DATABASE_URL, then the PG* variables. */
  connectionString?: string;
  /** Install schema (default `eventlog`). */
  schema?: string;
  /** Notification channel (default `<schema>_wake`). */
  channel?: string;
  /** How often the server checks the log end while the log is moving (default 1 ms; whole ms). */
  intervalMs?: number;
  /** … once the log has been still for `idleAfterMs` (default 10 ms). */
  idleIntervalMs?: number;
  /** How long the log must be still before checks slow to `idleIntervalMs` (default 2000 ms). */
  idleAfterMs?: number;
  /** How long one wait_for_log_end() call waits on the server before the watcher calls again (default 1000 ms, at most 60000). */
  waitMs?: number;
  /** Send NOTIFY on each advance (default true); false: only emit 'advance' in this process. */
  notify?: boolean;
  /** How long close() waits for the server to answer the cancelled wait (default 5000 ms). */
  closeTimeoutMs?: number;
  signal?: AbortSignal;
  /** Connection errors; the watcher reconnects with backoff. */
  onError?: (err: Error) => void;
}

/**
 * Watches the end of the readable log and announces each advance: NOTIFY `<channel>`, payload
 * the new end's etag, and an 'advance' event ({ etag }) in this process. Emits 'error' only for
 * errors that are not connection errors (then it stops); connection errors go to `onError`.
 */
export class WakeWatcher extends EventEmitter {
  readonly channel: string;
  readonly schema: string;
  /** Polls made and notifications sent since start (for metrics and benchmarks). */
  polls = 0;
  notifications = 0;
  /** The last log end seen ('' before the first poll). */
  logEnd = '';
  private readonly options: WakeWatcherOptions;
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;
  private client: pg.Client | undefined;
  /** The statement running on `client`, settled (never rejecting) when its reply came. */
  private statement: Promise<void> | undefined;
  private firstPoll: { resolve: () => void; reject: (e: Error) => void; promise: Promise<void> } | undefined;

  constructor(options: WakeWatcherOptions = {}) {
    super();
    this.options = options;
    this.schema = options.schema ?? DEFAULT_SCHEMA;
    this.channel = options.channel ?? wakeChannel(this.schema);
    options.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  /** Resolves after the first successful poll (retrying connection errors until closed). */
  start(): Promise<void> {
    if (!this.loop) {
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      this.firstPoll = { resolve, reject, promise };
      this.loop = this.run();
    }
    return this.firstPoll!.promise;
  }

  /**
   * Stops polling; resolves when the connection and every timer are gone. A statement still
   * waiting on the server is cancelled first, and close() waits for its reply (the proof that no
   * wait is left running there), sending the cancel again every second while none comes: through
   * a pooler a cancel can be dropped (one that arrives while the statement still waits for a server
   * connection). After `closeTimeoutMs` (default 5 s) without a reply it closes the connection
   * anyway; the wait then ends at its own timeout (`waitMs`).
   */
  async close(): Promise<void> {
    this.stop.abort();
    this.firstPoll?.resolve();
    // The protocol's cancel request (the backend's key, on a new socket to where the client
    // connected), not pg_cancel_backend(pid): through a pooler the pid a client knows is the
    // pooler's, and only the pooler knows which server connection runs the statement.
    const deadline = Date.now() + (this.options.closeTimeoutMs ?? 5_000);
    while (this.statement && this.client && Date.now() < deadline) {
      const statement = this.statement;
      // Sent (the other side closed the request's socket) or answered; then a second for the
      // reply before the cancel goes again.
      await Promise.race([statement, cancelRequest(this.client, Math.max(1, deadline - Date.now()))]);
      await settledWithin(statement, Math.min(1_000, Math.max(0, deadline - Date.now())));
    }
    if (this.statement) {
      // No reply in time: close the connection without it (the wait ends at its own timeout).
      const client = this.client;
      this.client = undefined;
      await client?.end().catch(() => {});
    }
    await this.loop;
  }

  private async run(): Promise<void> {
    const o = this.options;
    const busy = o.intervalMs ?? 1;
    const idle = o.idleIntervalMs ?? 10;
    const idleAfter = o.idleAfterMs ?? 2_000;
    const notify = o.notify ?? true;
    const signal = this.stop.signal;
    // One statement per advance: await_log_end() checks on the server every `interval` ms and
    // returns when the end moved (or after a second), and the same statement notifies. It is a
    // procedure that commits after every check, so no lock of its probes outlives the check
    // (an ATTACH PARTITION never waits for the watcher); its last transaction, which holds the
    // notification, commits as the CALL returns. An install older than 0055 has only the
    // function wait_for_log_end(), which holds its locks for the whole call: the watcher falls
    // back to it once the procedure turns out to be missing.
    const waitMs = Math.min(60_000, Math.max(0, Math.round(o.waitMs ?? 1000)));
    const schema = quoteIdent(this.schema);
    const call = {
      text: notify
        ? `CALL ${schema}.await_log_end(NULL, $1::bigint, ${waitMs}, $2::int, $3::text)`
        : `CALL ${schema}.await_log_end(NULL, $1::bigint, ${waitMs}, $2::int)`,
    };
    const wait = `${schema}.wait_for_log_end($1::bigint, ${waitMs}, $2::int)`;
    // Unnamed statements: a named one is prepared on one server connection, and a transaction
    // pooler (PgBouncer before 1.21) hands the next call to another (docs/push.md).
    const legacy = {
      text: notify
        ? `SELECT e::text AS log_end, CASE WHEN e::text IS DISTINCT FROM $3 THEN pg_catalog.pg_notify($4, e::text) END AS sent FROM ${wait} AS e`
        : `SELECT e::text AS log_end FROM ${wait} AS e`,
    };
    let useProcedure = true;
    let attempt = 0;
    let lastChange = Date.now();
    let announced = ''; // what this connection last notified; '' after every (re)connect
    while (!signal.aborted) {
      try {
        if (!this.client) {
          const client = await connect({ connectionString: o.connectionString, applicationName: 'pg-eventlog wake' });
          this.client = client;
          if (signal.aborted) break;
          // The notification is the watcher's only write; it need not wait for a WAL flush.
          await this.run1(client, 'SET synchronous_commit = off');
          announced = '';
          attempt = 0;
        }
        if (signal.aborted) break;
        // After a (re)connect, -1 makes the first call return at once (and notify: a listener
        // cut off with us may have missed something).
        const after = announced === '' ? '-1' : this.logEnd;
        const interval = Math.max(1, Math.round(Date.now() - lastChange > idleAfter ? idle : busy));
        let rows: { log_end: string }[];
        if (useProcedure) {
          // The procedure notifies when the end it returns is not `after`: after a (re)connect
          // (-1) always, otherwise exactly when it moved from what this connection announced.
          const values = notify ? [after, interval, this.channel] : [after, interval];
          try {
            ({ rows } = await this.run1<{ log_end: string }>(this.client, { ...call, values }));
          } catch (err) {
            if ((err as { code?: string }).code !== '42883' || signal.aborted) throw err;
            useProcedure = false;
            continue;
          }
        } else {
          const values = notify ? [after, interval, announced, this.channel] : [after, interval];
          ({ rows } = await this.run1<{ log_end: string }>(this.client, { ...legacy, values }));
        }
        this.polls++;
        const etag = String(rows[0].log_end);
        if (notify && etag !== announced) this.notifications++;
        announced = etag;
        if (etag !== this.logEnd) {
          const first = this.logEnd === '';
          this.logEnd = etag;
          lastChange = Date.now();
          if (!first) this.emit('advance', { etag } satisfies Wake);
        }
        this.firstPoll?.resolve();
      } catch (err) {
        await this.client?.end().catch(() => {});
        this.client = undefined;
        if (signal.aborted) break;
        if (!isConnectionError(err)) {
          this.firstPoll?.reject(asError(err));
          if (this.listenerCount('error')) this.emit('error', asError(err));
          break;
        }
        o.onError?.(asError(err));
        await sleep(backoffMs(attempt++), signal);
      }
    }
    await this.client?.end().catch(() => {});
    this.client = undefined;
  }

  /** One statement on `client`, known to close() as running until its reply has come. */
  private async run1<R extends pg.QueryResultRow>(client: pg.Client, q: string | pg.QueryConfig): Promise<pg.QueryResult<R>> {
    const p = client.query<R>(q as pg.QueryConfig);
    const settled = p.then(() => {}, () => {});
    this.statement = settled;
    try {
      return await p;
    } finally {
      if (this.statement === settled) this.statement = undefined;
    }
  }
}

/** Resolves when `p` has settled or after `ms`, whichever comes first; leaves no timer behind. */
function settledWithin(p: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void p.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export interface WakeupsOptions {
  /** Default: DATABASE_URL, then the PG* variables. */
  connectionString?: string;
  /** Install schema (default `eventlog`); names the default channel and, in watch mode, the functions. */
  schema?: string;
  /** Channel to LISTEN on (default `<schema>_wake`). */
  channel?: string;
  signal?: AbortSignal;
  /**
   * 'listen' (default): LISTEN for the watcher's notifications (run `pg-eventlog wake`).
   * 'watch': poll log_end() in this process instead (hot standby, PgBouncer transaction mode).
   */
  mode?: 'listen' | 'watch';
  /** Watch mode: the watcher's intervals (see WakeWatcherOptions). */
  intervalMs?: number;
  idleIntervalMs?: number;
  /** Connection errors; the listener reconnects with backoff. */
  onError?: (err: Error) => void;
}

/**
 * One wake-up source per process, shared by any number of subscribers: emits 'wake' ({ etag })
 * when new events may be readable. A wake-up is only a hint; subscribers still poll, so a lost
 * one delays delivery by at most their poll interval and never loses an event.
 */
export class Wakeups extends EventEmitter {
  readonly channel: string;
  readonly mode: 'listen' | 'watch';
  /** Wake-ups emitted since start. */
  wakes = 0;
  private readonly options: WakeupsOptions;
  private readonly stop = new AbortController();
  private watcher: WakeWatcher | undefined;
  private loop: Promise<void> | undefined;
  private client: pg.Client | undefined;
  private started: Promise<void> | undefined;

  constructor(options: WakeupsOptions = {}) {
    super();
    this.setMaxListeners(0); // one listener per subscriber; serve has thousands
    this.options = options;
    this.mode = options.mode ?? 'listen';
    this.channel = options.channel ?? wakeChannel(options.schema ?? DEFAULT_SCHEMA);
    options.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  /** Resolves once listening (or, in watch mode, after the first poll); retries connection errors until closed. */
  start(): Promise<void> {
    if (this.started) return this.started;
    if (this.mode === 'watch') {
      const o = this.options;
      this.watcher = new WakeWatcher({
        connectionString: o.connectionString,
        schema: o.schema,
        intervalMs: o.intervalMs,
        idleIntervalMs: o.idleIntervalMs,
        notify: false,
        onError: o.onError,
      });
      this.watcher.on('advance', (w: Wake) => this.wake(w));
      this.watcher.on('error', (e: Error) => this.options.onError?.(e));
      this.started = this.watcher.start();
      return this.started;
    }
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    this.started = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    this.loop = this.listen(resolve, reject);
    return this.started;
  }

  /** Stops; resolves when the connection and every timer are gone. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.watcher?.close();
    await this.loop;
  }

  private wake(w: Wake): void {
    this.wakes++;
    this.emit('wake', w);
  }

  private async listen(resolve: () => void, reject: (e: Error) => void): Promise<void> {
    const signal = this.stop.signal;
    let attempt = 0;
    while (!signal.aborted) {
      let client: pg.Client | undefined;
      try {
        client = await connect({ connectionString: this.options.connectionString, applicationName: 'pg-eventlog listen' });
        this.client = client;
        if (signal.aborted) break;
        const lost = new Promise<Error>((res) => {
          client!.once('error', res);
          client!.once('end', () => res(new Error('the listening connection ended')));
        });
        client.on('notification', (n) => {
          if (n.channel === this.channel) this.wake({ etag: n.payload ?? '' });
        });
        await client.query(`LISTEN ${quoteIdent(this.channel)}`);
        attempt = 0;
        resolve();
        // Notifications sent while we were not listening are gone: tell subscribers to look.
        this.wake({ etag: '' });
        const aborted = new Promise<null>((res) => (signal.aborted ? res(null) : signal.addEventListener('abort', () => res(null), { once: true })));
        const err = await Promise.race([lost, aborted]);
        if (err) throw err;
      } catch (err) {
        if (signal.aborted) break;
        if (!isConnectionError(err)) {
          reject(asError(err));
          this.options.onError?.(asError(err));
          break;
        }
        this.options.onError?.(asError(err));
        await client?.end().catch(() => {});
        this.client = undefined;
        await sleep(backoffMs(attempt++), signal);
      } finally {
        if (signal.aborted) resolve();
      }
    }
    await this.client?.end().catch(() => {});
    this.client = undefined;
  }
}
