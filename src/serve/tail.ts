// The shared tail: ONE reader of the log per server, feeding every live subscriber.
//
// It reads `get_event(after_etag, n)` from its head whenever a wake-up arrives or the poll
// interval passes, turns each event into its SSE frame once, keeps the most recent ones in a
// bounded cache, and hands each batch to every attached subscriber synchronously. A subscriber
// that is catching up (replaying from Last-Event-ID or `from`) reads the log itself, in bounded
// batches, until the position it has reached is one the tail has passed and still has in its
// cache; it then takes the cached events after that position and attaches, all in one
// synchronous step, so between its replay and the tail there is neither a gap nor a duplicate.
// This holds because log order is total and final below the read horizon: every reader that
// continues from the same etag sees the same events next (docs/ordering.md).
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { frame } from './sse.ts';
import type { Logger, WakeSource } from './options.ts';

/** The columns serve reads (get_event returns whole rows; these are the ones it needs). */
export interface EventRow {
  etag: string;
  event_type: string;
  stream: string | null;
  payload: unknown;
}

/** An event as the tail keeps it: what filters look at, and its frame, built once for everyone. */
export interface TailEvent {
  etag: string;
  eventType: string;
  stream: string | null;
  frame: string;
}

export function toTailEvent(r: EventRow): TailEvent {
  return { etag: r.etag, eventType: r.event_type, stream: r.stream, frame: frame({ id: r.etag, event: r.event_type, data: JSON.stringify(r.payload) }) };
}

/** What the tail delivers to. */
export interface TailListener {
  deliver(events: readonly TailEvent[]): void;
}

export interface TailOptions {
  pool: pg.Pool;
  schema: string;
  batchSize: number;
  cacheEvents: number;
  cacheBytes: number;
  pollIntervalMs: number;
  wakeups?: WakeSource;
  log: Logger;
}

export class Tail extends EventEmitter {
  /** The etag the tail has read up to ('0': the beginning); undefined until start() found it. */
  head: string | undefined;
  /** Events read by the tail since it started. */
  eventsRead = 0;
  /** Last error reading the log, cleared by the next good read (for /healthz). */
  lastError: Error | undefined;
  readonly listeners_ = new Set<TailListener>();

  // The cache: cache[i] is the event at absolute sequence number base + i; `seq` maps an etag to
  // its number. The start position maps to base - 1 until the first eviction.
  private cache: TailEvent[] = [];
  private cacheBytes = 0;
  private base = 0;
  private readonly seq = new Map<string, number>();
  private closed = false;
  private kick: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly onWake = () => this.kick?.();

  constructor(private readonly o: TailOptions) {
    super();
    this.setMaxListeners(0);
  }

  /** Finds where to begin (`after`, or the end of the log) and starts the loop. */
  async start(after?: string): Promise<void> {
    const head = after ?? (await this.endOfLog());
    this.head = head;
    this.seq.set(head, this.base - 1);
    this.o.wakeups?.on('wake', this.onWake);
    this.loop = this.run();
  }

  /**
   * The events after `after` if the tail can continue from there with at most `max` of them from
   * its cache; undefined if it cannot (not passed yet, or no longer cached).
   */
  backlog(after: string, max: number): TailEvent[] | undefined {
    const n = this.seq.get(after);
    if (n === undefined) return undefined;
    const from = n + 1 - this.base;
    if (this.cache.length - from > max) return undefined;
    return this.cache.slice(from);
  }

  attach(l: TailListener): void {
    this.listeners_.add(l);
  }

  detach(l: TailListener): void {
    this.listeners_.delete(l);
  }

  /** Resolves after the tail's next read (wake-up or poll), or when `signal` aborts. */
  nextRound(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.off('round', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.once('round', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.o.wakeups?.off('wake', this.onWake);
    this.kick?.();
    await this.loop;
    this.emit('round');
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      try {
        await this.readAll();
        this.lastError = undefined;
      } catch (err) {
        this.lastError = err as Error;
        this.o.log(`serve: reading the log failed (retrying in ${this.o.pollIntervalMs} ms): ${(err as Error).message}`);
      }
      this.emit('round');
      if (this.closed) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.o.pollIntervalMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.kick = done;
      });
      this.kick = undefined;
    }
  }

  private async readAll(): Promise<void> {
    for (;;) {
      const { rows } = await this.o.pool.query<EventRow>(
        `SELECT etag::text AS etag, event_type, stream, payload FROM ${this.o.schema}.get_event($1::bigint, $2::integer)`,
        [this.head, this.o.batchSize],
      );
      if (this.closed || rows.length === 0) return;
      const events = rows.map(toTailEvent);
      this.remember(events);
      this.head = events.at(-1)!.etag;
      this.eventsRead += events.length;
      for (const l of this.listeners_) l.deliver(events);
      if (rows.length < this.o.batchSize) return;
    }
  }

  private remember(events: TailEvent[]): void {
    for (const e of events) {
      this.seq.set(e.etag, this.base + this.cache.length);
      this.cache.push(e);
      this.cacheBytes += e.frame.length;
    }
    let drop = 0;
    while (this.cache.length - drop > 1 && (this.cache.length - drop > this.o.cacheEvents || this.cacheBytes > this.o.cacheBytes)) {
      const old = this.cache[drop]!;
      this.cacheBytes -= old.frame.length;
      // The position before the oldest cached event stops being one we can continue from.
      if (drop === 0) this.forgetPositionBefore(this.base);
      this.seq.delete(old.etag);
      drop++;
    }
    if (drop > 0) {
      this.cache = this.cache.slice(drop);
      this.base += drop;
    }
  }

  private forgetPositionBefore(n: number): void {
    for (const [etag, s] of this.seq) {
      if (s === n - 1) {
        this.seq.delete(etag);
        return;
      }
    }
  }

  /**
   * The end of the log: the etag after which `seek_client(…, 'end')` would put a client — after
   * the last event below the read horizon, so that events of transactions still open are
   * delivered when they commit. Found with a client of the server's own, dropped at once (the
   * one write serve does outside named-client mode). On a read-only server (a hot standby) it
   * cannot write, and the tail starts at the beginning of the log.
   */
  private async endOfLog(): Promise<string> {
    const name = `pg-eventlog-serve-${process.pid}-${Date.now().toString(36)}`;
    const c = await this.o.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SELECT 1 FROM ${this.o.schema}.peek_event($1::text, 1)`, [name]);
      const { rows } = await c.query<{ etag: string }>(`SELECT ${this.o.schema}.seek_client($1::text, 'end'::text)::text AS etag`, [name]);
      await c.query(`SELECT ${this.o.schema}.drop_client($1::text)`, [name]);
      await c.query('COMMIT');
      return rows[0]!.etag;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      this.o.log(`serve: could not find the end of the log (${(err as Error).message}); the tail starts at the beginning`);
      return '0';
    } finally {
      c.release();
    }
  }
}
