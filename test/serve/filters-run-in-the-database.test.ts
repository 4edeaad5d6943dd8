// A filtered stream's replay filters in its SQL read, not in Node: the server receives only the
// matching events (plus at most one event per read, its position), yet the stream still moves
// past what it skips, exactly: it joins the live tail although the log ends with events it does
// not want, and Last-Event-ID / from continue after the etag given, matching or not.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { get, openSse, startServe } from './sse-client.ts';
import { waitFor } from '../lib/wait.ts';

const metric = async (url: string, name: string): Promise<number> => {
  const m = new RegExp(`^${name.replace(/[{}"=]/g, (c) => `\\${c}`)} (\\d+)$`, 'm').exec((await get(`${url}/metrics`)).body);
  if (!m) throw new Error(`no metric ${name}`);
  return Number(m[1]);
};

t.test('a filtered replay reads only the matches from the database and still moves past the rest', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  // 300 events, every 30th in a stream "needle-<n>" with type "found"; the log ends with 9 that do not match.
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g),
                          CASE WHEN g % 30 = 21 THEN 'found' ELSE 'noise' END,
                          CASE WHEN g % 30 = 21 THEN 'needle-' || g ELSE 'hay-' || g END)
                  FROM generate_series(1, 300) AS g`);
  const needles = Array.from({ length: 10 }, (_, i) => 21 + 30 * i);
  const h = await startServe(t, { connectionString: reader.url, batchSize: 50 });
  const rowsRead = () => metric(h.url, 'pg_eventlog_serve_replay_rows_read_total');

  const s = await openSse(`${h.url}/events?from=0&stream_prefix=needle-&type=found`, {}, t);
  await s.waitFor(10, 'the ten matching events');
  const n = (m: { data: string }) => JSON.parse(m.data).n as number;
  t.same(s.messages.map(n), needles, 'exactly the matching events, in log order');
  // 300 events in reads of 50: 6 reads, each returning its matches plus at most its last event.
  const read = await rowsRead();
  t.ok(read >= 10 && read <= 10 + 7, `the database returned ${read} rows to the server for a replay over 300 events (10 matches + at most one per read)`);
  await waitFor('the filtered stream to join the live tail (its position moved past the 9 trailing non-matching events)', async () =>
    (await metric(h.url, 'pg_eventlog_serve_subscribers{state="live"}')) === 1, { timeoutMs: 10_000 });

  // Live, the shared tail filters as before; still exactly the matches.
  await db.query(`SELECT eventlog.log_event('{"n": 301}', 'noise', 'needle-301'), eventlog.log_event('{"n": 302}', 'found', 'needle-302'),
                         eventlog.log_event('{"n": 303}', 'found', 'hay-303')`);
  await s.waitFor(11, 'the live match');
  t.same(s.messages.slice(10).map(n), [302], 'live: only the event matching both filters');

  // Last-Event-ID of the 5th match: the 6th onwards, nothing twice, and the replay again returns
  // only matches plus positions.
  const before = await rowsRead();
  const again = await openSse(`${h.url}/events?stream_prefix=needle-&type=found`, { 'Last-Event-ID': s.messages[4]!.id! }, t);
  await again.waitFor(6, 'the matches after the 5th');
  t.same(again.messages.map(n), [...needles.slice(5), 302], 'Last-Event-ID continues after that event, exactly');
  t.ok((await rowsRead()) - before <= 5 + 4, `the resumed replay read ${(await rowsRead()) - before} rows (5 matches + at most one per read)`);

  // from= a non-matching etag in the middle: the matches after it.
  const [{ etag }] = await db.query<{ etag: string }>(`SELECT etag::text AS etag FROM eventlog.events WHERE payload = '{"n": 200}'`);
  const fromMid = await openSse(`${h.url}/events?from=${etag}&type=found&stream_prefix=needle-`, {}, t);
  await fromMid.waitFor(5, 'the matches after n = 200');
  t.same(fromMid.messages.map(n), [201, 231, 261, 291, 302], 'from= a skipped event continues right after it');
});
