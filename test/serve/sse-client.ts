// A raw SSE client for the serve tests: keeps the bytes as received and the parsed messages, so
// that tests can assert the wire format itself, not only what a library makes of it.
import http from 'node:http';
import type { TestDatabase, TestLike } from '../lib/db.ts';
import { serve, type ServeHandle, type ServeOptions } from '../../src/serve/index.ts';
import { waitFor } from '../lib/wait.ts';

export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

export interface SseStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Every byte received, as text. */
  raw: string;
  /** Dispatched messages (those with data), in order. */
  messages: SseMessage[];
  /** Comment lines (without the leading ':'). */
  comments: string[];
  retry?: number;
  /** The id of the last message received whole: what a browser sends as Last-Event-ID. */
  lastEventId: string;
  ended: Promise<void>;
  isEnded(): boolean;
  close(): void;
  /** Starts reading a stream opened with `paused`. */
  resume(): void;
  /** Waits (bounded) until `n` messages have arrived. */
  waitFor(n: number, what?: string, timeoutMs?: number): Promise<SseMessage[]>;
}

/** Opens GET `url` and parses the event stream. Resolves once the response headers are in. */
export function openSse(url: string, headers: Record<string, string> = {}, t?: TestLike, { paused = false } = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      res.setEncoding('utf8');
      let buf = '';
      let ended = false;
      let current: { id?: string; event?: string; data: string[] } = { data: [] };
      const s: SseStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        raw: '',
        messages: [],
        comments: [],
        lastEventId: headers['Last-Event-ID'] ?? '',
        ended: new Promise((r) => {
          res.on('close', () => {
            ended = true;
            r();
          });
        }),
        isEnded: () => ended,
        close: () => req.destroy(),
        resume: () => res.on('data', onData).resume(),
        waitFor: async (n, what = `${n} messages`, timeoutMs = 30_000) => {
          await waitFor(`${what} (got ${s.messages.length})`, () => s.messages.length >= n || (ended && s.messages.length < n ? Promise.reject(new Error(`the stream ended after ${s.messages.length} messages, waiting for ${what}`)) : false), { timeoutMs });
          return s.messages.slice(0, n);
        },
      };
      const onData = (chunk: string) => {
        s.raw += chunk;
        buf += chunk;
        let i: number;
        while ((i = buf.search(/\r\n|\r|\n/)) >= 0) {
          const eol = buf.startsWith('\r\n', i) ? 2 : 1;
          const line = buf.slice(0, i);
          buf = buf.slice(i + eol);
          if (line === '') {
            if (current.id !== undefined) s.lastEventId = current.id;
            if (current.data.length) s.messages.push({ id: current.id, event: current.event, data: current.data.join('\n') });
            current = { data: [] };
            continue;
          }
          if (line.startsWith(':')) {
            s.comments.push(line.slice(1).trimStart());
            continue;
          }
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') current.id = value;
          else if (field === 'event') current.event = value;
          else if (field === 'data') current.data.push(value);
          else if (field === 'retry') s.retry = Number(value);
        }
      };
      // A paused stream reads nothing: Node stops taking data off the socket, and TCP pushes back.
      if (paused) res.pause();
      else res.on('data', onData);
      t?.teardown(() => req.destroy());
      resolve(s);
    });
    req.on('error', reject);
  });
}

/** A plain request: status, headers, body; rejects if the response has not ended within 10 s (a stream where none was expected). */
export function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no complete response to ${method} ${url} within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** serve() on a free loopback port with test-friendly timings; closed at teardown. */
export async function startServe(t: TestLike, options: ServeOptions): Promise<ServeHandle> {
  const h = await serve({ port: 0, pollIntervalMs: 50, wakeups: 'watch', ...options });
  t.teardown(() => h.close());
  return h;
}

/** The etags of the log in log order, after `after` (0: all), as strings. */
export async function logOrder(db: TestDatabase, after = '0'): Promise<string[]> {
  const rows = await db.query<{ etag: string }>(
    `SELECT e.etag::text AS etag FROM eventlog.events AS e
     WHERE $1::bigint = 0 OR (e.tx_order, e.etag) > (SELECT x.tx_order, x.etag FROM eventlog.events AS x WHERE x.etag = $1::bigint)
     ORDER BY e.tx_order, e.etag`, [after]);
  return rows.map((r) => r.etag);
}
