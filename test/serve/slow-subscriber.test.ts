// A subscriber that stops reading cannot make the server hold more than its bound for it, and
// cannot slow the others: once its queue passes maxBufferBytes the server drops its connection;
// it then reconnects with the Last-Event-ID of the last event it received whole and replays.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { waitFor, within } from '../lib/wait.ts';
import { get, logOrder, openSse, startServe } from './sse-client.ts';

const metric = (body: string, name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(body)?.[1] ?? NaN);

t.test('a subscriber that never reads is closed at its bound; the others get everything', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  const bound = 256 * 1024;
  // Tail batches of at most 20 events (1.3 MB here): a subscriber holds its bound plus one batch.
  const h = await startServe(t, { connectionString: reader.url, maxBufferBytes: bound, batchSize: 20 });
  const batchBytes = 20 * 65_700;

  const slow = await openSse(`${h.url}/events?from=0`, {}, t, { paused: true });
  const fast = await openSse(`${h.url}/events?from=0`, {}, t);
  const alsoFast = await openSse(`${h.url}/events?from=0`, {}, t);

  // 40 MB in 640 events of 64 kB: far more than the loopback socket buffers hold.
  for (let i = 0; i < 32; i++) {
    await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g, 'pad', repeat('x', 65536))) FROM generate_series($1::int, $1::int + 19) AS g`, [i * 20 + 1]);
  }
  const log = await logOrder(db);
  t.equal(log.length, 640, '640 events written');

  await waitFor('the server to close the slow subscriber', async () =>
    metric((await get(`${h.url}/metrics`)).body, 'pg_eventlog_serve_slow_subscribers_closed_total') === 1, { timeoutMs: 60_000, intervalMs: 20 });
  await fast.waitFor(640, 'every event on the first fast stream', 60_000);
  await alsoFast.waitFor(640, 'every event on the second fast stream', 60_000);
  t.same(fast.messages.map((m) => m.id), log, 'a fast subscriber gets every event, in order');
  t.same(alsoFast.messages.map((m) => m.id), log, 'and so does another');
  const maxQueued = metric((await get(`${h.url}/metrics`)).body, 'pg_eventlog_serve_queued_bytes_max');
  t.ok(maxQueued > 0 && maxQueued <= bound + batchBytes,
    `the queues were used and never held more than the bound plus one batch (max seen ${maxQueued}, bound ${bound} + ${batchBytes})`);
  const m = (await get(`${h.url}/metrics`)).body;
  t.equal(metric(m, 'pg_eventlog_serve_queued_bytes'), 0, 'nothing is queued once it is gone');
  t.match(m, /pg_eventlog_serve_subscribers\{state="live"\} 2\n/, 'the two fast subscribers are still open');

  // The slow one reads what reached it, sees its end, and reconnects from its last whole event.
  slow.resume();
  await within('the slow stream to end once read', slow.ended, 30_000);
  t.ok(slow.messages.length < 640, `the slow subscriber received only part of the log before it was closed (${slow.messages.length} events)`);
  t.same(slow.messages.map((x) => x.id), log.slice(0, slow.messages.length), 'what it received is a prefix of the log');
  const back = await openSse(`${h.url}/events?from=0`, { 'Last-Event-ID': slow.lastEventId }, t);
  await back.waitFor(640 - slow.messages.length, 'the rest, replayed', 60_000);
  t.same([...slow.messages, ...back.messages].map((x) => x.id), log, 'reconnecting with Last-Event-ID replays the rest: every event once');
});
