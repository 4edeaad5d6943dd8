// One SSE response: what it wants (filters), where it is (the last etag it has been given or has
// passed), and its bounded outgoing queue.
//
// Back-pressure: while res.write() returns true, frames go straight to the socket. Once it returns
// false, frames wait in the subscription's queue until 'drain'. The queue is bounded: a
// subscriber whose queue still holds more than maxBufferBytes when the next batch arrives (or at
// the server's check once a second) is closed (its socket destroyed, so that the
// frames Node still holds for it are freed too). EventSource then reconnects with the Last-Event-ID
// of the last event it received whole, and replays from the log. Nothing waits for a slow
// subscriber: the shared tail only appends to its queue.
import type { ServerResponse } from 'node:http';
import type { TailEvent, TailListener } from './tail.ts';

export interface EventFilter {
  stream?: string;
  streamPrefix?: string;
  types?: string[];
}

export function matches(f: EventFilter, e: { eventType: string; stream: string | null }): boolean {
  if (f.stream !== undefined && e.stream !== f.stream) return false;
  if (f.streamPrefix !== undefined && (e.stream === null || !e.stream.startsWith(f.streamPrefix))) return false;
  if (f.types !== undefined && !f.types.includes(e.eventType)) return false;
  return true;
}

export interface SubscriptionCounters {
  eventsSent: number;
  slowClosed: number;
  /** The longest queue any subscriber has had, in bytes. */
  maxQueuedBytes: number;
}

export class Subscription implements TailListener {
  /** The etag this subscriber has been given, or passed as filtered out; the next event comes after it. */
  position: string;
  state: 'replaying' | 'live' | 'closed' = 'replaying';
  queued: string[] = [];
  queuedBytes = 0;
  private blocked = false;
  private drainWaiters: (() => void)[] = [];
  readonly closedSignal: AbortSignal;
  private readonly abort = new AbortController();

  constructor(
    readonly res: ServerResponse,
    readonly filter: EventFilter,
    readonly client: string | undefined,
    after: string,
    private readonly maxBufferBytes: number,
    private readonly counters: SubscriptionCounters,
    private readonly onClose: (s: Subscription, reason: string) => void,
  ) {
    this.position = after;
    this.closedSignal = this.abort.signal;
    res.on('close', () => this.close('the subscriber went away'));
    res.on('drain', () => this.flush());
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  get isBlocked(): boolean {
    return this.blocked;
  }

  deliver(events: readonly TailEvent[]): void {
    // The bound is checked when a batch arrives: a subscriber that has not taken what it was
    // given before is closed, so it holds at most maxBufferBytes plus one batch. Checking inside
    // a batch would close fast subscribers too, whose socket cannot drain while it is written.
    if (this.closeIfOverBound()) return;
    // One write per batch: with a thousand subscribers, a write per event and subscriber is
    // what the server would spend its time on.
    let chunk = '';
    let n = 0;
    for (const e of events) {
      this.position = e.etag;
      if (!matches(this.filter, e)) continue;
      chunk += e.frame;
      n++;
    }
    if (n === 0) return;
    this.write(chunk);
    this.counters.eventsSent += n;
  }

  /** Closes the subscriber if its queue holds more than the bound (also checked once a second by the server). */
  closeIfOverBound(): boolean {
    if (this.state === 'closed' || this.queuedBytes <= this.maxBufferBytes) return false;
    this.counters.slowClosed++;
    this.close(`it did not read ${this.queuedBytes} bytes queued for it (bound ${this.maxBufferBytes})`, true);
    return true;
  }

  /** Writes a frame, or queues it while the socket is full; closes the subscriber past the bound. */
  write(chunk: string): void {
    if (this.state === 'closed') return;
    if (!this.blocked) {
      if (!this.res.write(chunk)) this.blocked = true;
      return;
    }
    this.queued.push(chunk);
    this.queuedBytes += Buffer.byteLength(chunk);
    if (this.queuedBytes > this.counters.maxQueuedBytes) this.counters.maxQueuedBytes = this.queuedBytes;
  }

  /** Resolves when the socket has taken everything queued (at once if nothing is), or at close. */
  drained(): Promise<void> {
    if (!this.blocked || this.state === 'closed') return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private flush(): void {
    this.blocked = false;
    while (this.queued.length && !this.blocked && this.state !== 'closed') {
      const chunk = this.queued.shift()!;
      this.queuedBytes -= Buffer.byteLength(chunk);
      if (!this.res.write(chunk)) this.blocked = true;
    }
    if (!this.blocked) this.wakeDrainWaiters();
  }

  private wakeDrainWaiters(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  /** Ends the stream. `destroy`: drop the socket with whatever it still holds (a slow subscriber). */
  close(reason: string, destroy = false): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.queued = [];
    this.queuedBytes = 0;
    this.abort.abort();
    this.wakeDrainWaiters();
    if (destroy) this.res.destroy();
    else this.res.end();
    this.onClose(this, reason);
  }
}
