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
import { subscribe } from '../subscribe/index.ts';
import type { Wakeups } from '../wake/index.ts';
import type { Logger } from './options.ts';

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
  /** For the one look at log_end() at start. */
  pool: pg.Pool;
  connectionString?: string;
  schema: string;
  batchSize: number;
  cacheEvents: number;
  cacheBytes: number;
  pollIntervalMs: number;
  wakeups?: Wakeups;
  log: Logger;
}

export class Tail extends EventEmitter {
  /** The etag the tail has read up to ('0': the beginning); undefined until start(). */
  head: string | undefined;
  /** Events read by the tail since it started. */
  eventsRead = 0;
  /** An error that stopped the tail's subscriber (it starts again after the poll interval), for /healthz. */
  lastError: Error | undefined;
  readonly listeners_ = new Set<TailListener>();

  // The cache: cache[i] is the event at absolute sequence number base + i; `seq` maps an etag to
  // its number. The start position maps to base - 1 until the first eviction.
  private cache: TailEvent[] = [];
  private cacheBytes = 0;
  private base = 0;
  private readonly seq = new Map<string, number>();
  /** The etag that maps to base - 1: the start, then the last event dropped from the cache. */
  private before = '';
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly o: TailOptions) {
    super();
    this.setMaxListeners(0);
  }

  /** Begins after `after`, or at the end of the readable log (log_end()), and starts reading. */
  async start(after?: string): Promise<void> {
    const head = after ?? (await this.o.pool.query<{ etag: string }>(`SELECT ${this.o.schema}.log_end()::text AS etag`)).rows[0]!.etag;
    this.head = head;
    this.before = head;
    this.seq.set(head, this.base - 1);
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

  /** Resolves when the tail next advances, or when `signal` aborts, or at close. */
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
    this.stop.abort();
    await this.loop;
    this.emit('round');
  }

  // The reading itself is the package's subscriber (src/subscribe): a position subscriber from
  // the head, woken by the server's one Wakeups, polling as the safety net, reconnecting with
  // backoff after the database restarts.
  private async run(): Promise<void> {
    const signal = this.stop.signal;
    while (!signal.aborted) {
      try {
        for await (const batch of subscribe({
          connectionString: this.o.connectionString,
          schema: this.o.schema,
          from: this.head,
          batchSize: this.o.batchSize,
          pollIntervalMs: this.o.pollIntervalMs,
          wakeups: this.o.wakeups ?? false,
          signal,
          onError: (err) => this.o.log(`serve: the tail lost its connection (reconnecting): ${err.message}`),
        })) {
          if (signal.aborted) break;
          const events = batch.events.map((e) => toTailEvent({ etag: e.etag, event_type: e.eventType, stream: e.stream, payload: e.payload }));
          this.remember(events);
          this.head = batch.after;
          this.eventsRead += events.length;
          this.lastError = undefined;
          for (const l of this.listeners_) l.deliver(events);
          this.emit('round');
        }
      } catch (err) {
        this.lastError = err as Error;
        this.o.log(`serve: the tail stopped (starting again in ${this.o.pollIntervalMs} ms): ${(err as Error).message}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.o.pollIntervalMs);
          signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
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
      this.cacheBytes -= this.cache[drop]!.frame.length;
      drop++;
    }
    if (drop === 0) return;
    // The position before the oldest cached event is the last dropped one: a subscriber there
    // can still continue with the whole cache. Everything before it is gone.
    this.seq.delete(this.before);
    for (let i = 0; i < drop - 1; i++) this.seq.delete(this.cache[i]!.etag);
    this.before = this.cache[drop - 1]!.etag;
    this.cache = this.cache.slice(drop);
    this.base += drop;
  }
}
