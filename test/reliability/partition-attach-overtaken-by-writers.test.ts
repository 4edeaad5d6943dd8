// Found by crash-with-partitions-and-push.test.ts (docs/reliability.md): ensure_partitions()
// attaches a partition far ahead of the writers without locking them out, but its ATTACH waits for
// every reader of the default partition (a long reader's statement; before 0055 also every
// wait_for_log_end() of watch-mode wake-ups, for up to a second). If the writers reach the range meanwhile, an INSERT routed to the default
// partition (the new partition is not committed yet) waits behind the ATTACH and then meets the
// default partition's new constraint: 23514, the append fails. Here, deterministically: a reader
// holds the default partition, ensure_partitions(3) waits in its ATTACH of range 1000 (beyond the
// cushion of docs/partitions.md, so attached without the lock on the log), the sequence moves next
// to that range, a writer's INSERT routes there and waits; the reader ends. The append must
// succeed: the run's check at the end sees the writers within reach, rolls its work back (which
// lets the append into the default partition) and makes the ranges again under the lock, where the
// range at 1000 now stays in the default partition (a NOTICE says so).
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { waitFor, within } from '../lib/wait.ts';

t.test('an append into a range whose partition is being attached far ahead does not fail', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const writer = await loginRole(t, db.url, ['eventlog_writer']);
  await db.query('SELECT eventlog.set_partition_size(200)');
  await db.query(`SELECT setval('eventlog.events_etag_seq', 410)`);
  await db.query('SELECT count(*) FROM eventlog.ensure_partitions(2)'); // ranges up to 800..999
  const parts = async () => (await db.query<{ p: string }>(
    `SELECT c.relname::text AS p FROM pg_catalog.pg_inherits AS i JOIN pg_catalog.pg_class AS c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'eventlog.events'::regclass ORDER BY 1`)).map((r) => r.p);
  t.same(await parts(), ['events_0000000000000000000', 'events_0000000000000000200', 'events_0000000000000000400', 'events_0000000000000000600', 'events_0000000000000000800', 'events_default'],
    'before: partitions up to 800..999, the sequence at 410');

  const reader = await db.connect();
  await reader.query('BEGIN');
  await reader.query('SELECT count(*) FROM eventlog.events_default');
  const maintenance = await db.connect();
  const notices: string[] = [];
  maintenance.on('notice', (n) => notices.push(n.message ?? ''));
  const ensure = maintenance.query<{ partition_name: string }>('SELECT partition_name FROM eventlog.ensure_partitions(3)');
  await waitFor('ensure_partitions to wait in its ATTACH for the reader of the default partition', async () =>
    (await db.query(`SELECT 1 FROM pg_catalog.pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%ensure_partitions(3)%'`)).length);
  await db.query(`SELECT setval('eventlog.events_etag_seq', 990)`); // the writers came near meanwhile
  const w = await writer.connect();
  const append = w.query<{ etag: string; p: string }>(`INSERT INTO eventlog.events (payload) VALUES ('{"n": 1}') RETURNING etag::text, tableoid::regclass::text AS p`)
    .then((r) => r.rows[0], (err: { code?: string; message: string }) => ({ error: `${err.code}: ${err.message}` }));
  await waitFor('the append to wait for the default partition', async () =>
    (await db.query(`SELECT 1 FROM pg_catalog.pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO eventlog.events%'`)).length);
  await reader.query('COMMIT');

  const appended = await within('the append to return', append, 30_000);
  t.notOk('error' in appended, `the append succeeds (${JSON.stringify(appended)})`);
  t.match(appended, { p: 'eventlog.events_default' }, 'its event lies in the default partition');
  const created = (await within('ensure_partitions to return', ensure, 30_000)).rows.map((r) => r.partition_name);
  t.notOk(created.includes('events_0000000000000001000'), 'ensure_partitions did not attach the range the event lies in');
  t.match(notices.join('\n'), /writers reached range 1000 while it was attached without the lock; making the ranges again under the lock/, 'it saw the writers come near and redid its run under the lock');
  t.match(notices.join('\n'), /range 1000 to 1199 not partitioned/, 'where the range stays in the default partition, and says so');
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM eventlog.events`);
  t.equal(n, 1, 'the log holds the event');
  await reader.end();
  await maintenance.end();
  await w.end();
});
