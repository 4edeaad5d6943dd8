// Last-Event-ID and ?from= replay from the log in bounded batches, then the stream switches to
// the shared tail with no gap and no duplicate, while writers keep committing out of etag order.
// Subscribers open before, during and after the writes, and one keeps reconnecting with the
// Last-Event-ID of what it received, as a browser does; each must end with the log exactly, in
// log order.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { sleep, waitFor, within } from '../lib/wait.ts';
import { get, logOrder, openSse, startServe, type SseStream } from './sse-client.ts';

t.test('replay then tail under 4 concurrent writers: every subscriber gets every event once, in log order', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  // A log to replay: 1500 events before anyone connects.
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g), 'seed') FROM generate_series(1, 1500) AS g`);
  // Small batches and a small tail cache, so that replays take many rounds and a catching-up
  // subscriber often finds its position already gone from the cache.
  const h = await startServe(t, { connectionString: reader.url, batchSize: 7, tailCacheEvents: 20, pollIntervalMs: 20 });

  const early = await openSse(`${h.url}/events?from=0`, {}, t);

  // Writers: transactions of 1-3 events that sleep before COMMIT for a random while, so that
  // they commit out of etag order (a reader of `etag > last` would lose events).
  let stop = false;
  let commits = 0;
  const commitOrder: string[] = []; // the first etag of each writing transaction, in the order its COMMIT returned
  const writers = await Promise.all(Array.from({ length: 4 }, () => db.connect()));
  const writing = Promise.all(writers.map(async (c, w) => {
    for (let i = 0; !stop; i++) {
      await c.query('BEGIN');
      const { rows } = await c.query<{ etag: string }>(`SELECT etag::text AS etag FROM eventlog.log_event(jsonb_build_array(${[1, 2, 3].slice(0, 1 + (i % 3)).map((k) => `'{"w": ${w}, "i": ${i}, "k": ${k}}'::jsonb`).join(', ')}), 'write')`);
      await sleep(Math.random() * 15);
      await c.query('COMMIT');
      commitOrder.push(rows[0]!.etag);
      commits++;
    }
  }));

  await waitFor('the writers to commit 50 transactions', () => commits >= 50);
  // Opened during the writes: a long replay that must join the tail while writers go on.
  const middle = await openSse(`${h.url}/events?from=0`, {}, t);
  const replayingSeen = waitFor('the metrics to show a replaying subscriber', async () =>
    /pg_eventlog_serve_subscribers\{state="replaying"\} [1-9]/.test((await get(`${h.url}/metrics`)).body), { timeoutMs: 20_000, intervalMs: 5 });

  // A browser that keeps reconnecting: take some events, drop the connection, come back with
  // the Last-Event-ID of the last event received whole.
  const hopper: string[] = [];
  let lastEventId = '';
  const hopping = (async () => {
    for (let hop = 0; hop < 6; hop++) {
      const s: SseStream = await openSse(`${h.url}/events?from=0`, lastEventId ? { 'Last-Event-ID': lastEventId } : {}, t);
      await s.waitFor(1 + Math.floor(Math.random() * 300), `hop ${hop}`);
      s.close();
      await s.ended;
      hopper.push(...s.messages.map((m) => m.id!));
      lastEventId = s.lastEventId;
    }
  })();

  await within('a replaying subscriber seen in /metrics', replayingSeen, 25_000);
  await waitFor('the middle subscriber to be live while writers still write', async () =>
    /pg_eventlog_serve_subscribers\{state="replaying"\} 0/.test((await get(`${h.url}/metrics`)).body), { timeoutMs: 30_000, intervalMs: 5 });
  const commitsAtSwitch = commits;
  await waitFor('20 more commits after every subscriber went live', () => commits >= commitsAtSwitch + 20);
  await within('the reconnecting subscriber', hopping, 60_000);
  stop = true;
  await within('the writers', writing, 30_000);

  const log = await logOrder(db);
  const position = new Map(log.map((e, i) => [e, i]));
  const inLogOrder = [...commitOrder].sort((a, b) => position.get(a)! - position.get(b)!);
  const overtaken = commitOrder.filter((e, i) => position.get(e)! < Math.max(...commitOrder.slice(0, i).map((x) => position.get(x)!), -1)).length;
  t.ok(overtaken > 0 && inLogOrder.join() !== commitOrder.join(),
    `transactions committed out of log order (${overtaken} of ${commitOrder.length} committed after a later one): a reader that took what was committed, by position, would have lost events`);
  t.ok(log.length > 1500 + 100, `the writers appended while the stream was open (${log.length - 1500} events)`);

  const late = await openSse(`${h.url}/events?from=0`, {}, t);
  const last = await openSse(`${h.url}/events?from=0`, { 'Last-Event-ID': lastEventId }, t);
  for (const [name, s, expected] of [
    ['opened before the writes', early, log],
    ['opened during the writes', middle, log],
    ['opened after the writes', late, log],
  ] as const) {
    await s.waitFor(expected.length, `${name}: every event`, 60_000);
    t.same(s.messages.map((m) => m.id), expected, `${name}: every event once, in log order`);
  }
  const rest = log.slice(log.indexOf(lastEventId) + 1);
  await last.waitFor(rest.length, 'the hopper\'s last reconnect: the rest', 60_000);
  t.same([...hopper, ...last.messages.map((m) => m.id)], log,
    'a subscriber that reconnected 6 times with Last-Event-ID: every event once, in log order');

  // And nothing more arrives later.
  await sleep(200);
  t.equal(middle.messages.length, log.length, 'no event is sent twice after the end');
});
