// ensure_partitions attaches a range writers could route to before it commits only under the lock
// on the log (docs/partitions.md, "maintenance"): the range must start more than the guess's
// margin, one partition size and a cushion of least(size, 100000) etags above the next etag to be
// attached without it. With partitions of 1,000 etags (margin 125, cushion 1,000) and the next
// etag at 1,500, the range at 3,000 lies 1,500 above it: inside the cushion, so maintenance must
// wait for an open writer (and give up after lock_timeout, leaving the range for the next run),
// where a rule without the cushion attached it at once; writers of this speed class reached such
// a range while the run was still busy (23514 in test/partitions/writers-cross-partition-boundaries…).
// The range at 4,000 (2,500 above) is far enough and is attached beside the open writer.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';

t.test('a range within reach of the writers is attached only under the lock', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query('SELECT eventlog.set_partition_size(1000)');
  await db.query('SELECT count(*) FROM eventlog.ensure_partitions(2)'); // ranges 0, 1000, 2000
  await db.query(`SELECT setval('eventlog.events_etag_seq', 1499)`);

  const writer = await db.connect();
  await writer.query('BEGIN');
  await writer.query(`INSERT INTO eventlog.events (payload) VALUES ('{"open": true}')`);

  const maintenance = await db.connect();
  const notices: string[] = [];
  maintenance.on('notice', (n) => notices.push(n.message ?? ''));
  const made = async (ahead: number) => (await maintenance.query<{ partition_name: string }>(
    'SELECT partition_name FROM eventlog.ensure_partitions($1)', [ahead])).rows.map((r) => r.partition_name);

  t.same(await made(2), [], 'with a writer open, the range at 3000 is not attached');
  t.match(notices.join('\n'), /range 3000 to 3999 not partitioned: canceling statement due to lock timeout/,
    'the run waited for the lock and says so');
  t.equal((await db.query(`SELECT to_regclass('eventlog.events_0000000000000003000') AS r`))[0].r, null,
    'no table of the range is left behind');

  t.same(await made(3), ['events_0000000000000004000'],
    'the range at 4000, beyond the cushion, is attached while the writer is still open');

  await writer.query('COMMIT');
  t.same(await made(2), ['events_0000000000000003000'], 'once the writer committed, the next run attaches the range at 3000');
  const etag = (await db.query<{ etag: string; p: string }>(
    `INSERT INTO eventlog.events (payload) VALUES ('{"after": true}') RETURNING etag, tableoid::regclass::text AS p`))[0];
  t.equal(etag.p, 'eventlog.events_0000000000000001000', 'appends go on into their range');
});
