// pg_dump and restore of a log spread over several partitions, into a fresh cluster whose
// transaction ids are far behind: the partitions, their bounds and guards, the partition size and
// the closed ranges come back; appends after the restore come after everything restored and go on
// across boundaries; a reader resumes from its etag missing nothing; maintenance goes on, and
// ranges left open by the dump close (their recorded transaction ids are the old cluster's).
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';
import { burnTransactionIds, restoreIntoFreshCluster } from '../lib/restore.ts';
import { waitFor } from '../lib/wait.ts';

// Maintenance until every passed range is closed: a range closes at the first run after every
// transaction that had an id when it was passed has ended (autovacuum's ANALYZE can hold one).
const closePassed = (c: pg.Client) => waitFor('maintenance to close every passed etag range', async () => {
  await c.query('SELECT count(*) FROM eventlog.ensure_partitions(1)');
  return (await c.query<{ n: string }>('SELECT count(*) AS n FROM eventlog.partition_ranges WHERE max_tx_order_so_far IS NULL')).rows[0].n === '0';
}, { timeoutMs: 30_000, intervalMs: 50 });

const PARTITIONS = `SELECT c.relname AS p, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
   WHERE i.inhparent = 'eventlog.events'::regclass ORDER BY 1`;
const partitions = async (c: pg.Client) => (await c.query<{ p: string; bound: string }>(PARTITIONS)).rows;

t.test('a partitioned log survives pg_dump and restore into a fresh cluster', async (t) => {
  const source = await freshDatabase(t, { install: true });
  await source.query('SELECT eventlog.set_partition_size(100)');
  // Push the source cluster's transaction ids (and so the ones the ranges record) well past where
  // a fresh cluster starts.
  await burnTransactionIds(source);
  const holder = await source.connect(); // an open transaction with an id keeps the last ranges open
  for (let i = 0; i < 25; i++) {
    if (i === 10) {
      await closePassed(holder);
      await holder.query('BEGIN');
      await holder.query('SELECT pg_current_xact_id()');
    }
    await source.query(`SELECT count(*) FROM eventlog.log_event((SELECT jsonb_agg(jsonb_build_object('n', $1::int * 10 + g)) FROM generate_series(0, 9) AS g), 'e', 's')`, [i]);
    await source.query('SELECT count(*) FROM eventlog.ensure_partitions(1)');
  }
  const before = await source.query<{ p: string; bound: string }>(PARTITIONS);
  const ranges = await source.query<{ from_etag: string; so_far: string | null }>(
    'SELECT from_etag, max_tx_order_so_far AS so_far FROM eventlog.partition_ranges ORDER BY 1');
  t.ok(before.length >= 5, `the source log has ${before.length} partitions`);
  t.ok(ranges.filter((r) => r.so_far !== null).length >= 1, 'and closed ranges');
  const openAtDump = ranges.filter((r) => r.so_far === null).map((r) => r.from_etag);
  t.ok(openAtDump.length >= 1, `and ranges passed but not closed yet (${openAtDump.join(', ')})`);
  const firstRead = await source.query<{ etag: string }>('SELECT etag FROM eventlog.get_event(0, 80)');
  const resumeAfter = firstRead.at(-1)!.etag;

  const restored = await restoreIntoFreshCluster(t, source);
  await holder.query('ROLLBACK');
  t.same(await partitions(restored), before, 'the same partitions with the same bounds');
  t.equal((await restored.query<{ s: string }>('SELECT eventlog._partition_size() AS s')).rows[0].s, '100', 'the partition size');
  t.same((await restored.query('SELECT from_etag, max_tx_order_so_far AS so_far FROM eventlog.partition_ranges ORDER BY 1')).rows,
    ranges, 'the recorded ranges');
  const guards = (await restored.query<{ p: string; n: string }>(
    `SELECT i.inhrelid::regclass::text AS p, count(t.*) AS n FROM pg_inherits AS i
     LEFT JOIN pg_trigger AS t ON t.tgrelid = i.inhrelid AND t.tgenabled = 'A'
       AND t.tgname IN ('_100_refuse_update_delete', '_100_refuse_truncate', '_100_check_append', '_200_assign_stream_version')
     WHERE i.inhparent = 'eventlog.events'::regclass GROUP BY 1 HAVING count(t.*) <> 4`)).rows;
  t.same(guards, [], 'every partition has its four guards, firing always');
  await t.rejects(restored.query(`DELETE FROM eventlog.${before[0].p}`), { code: 'EL002' }, 'a partition is append-only');
  await t.rejects(restored.query(`ALTER TABLE eventlog.${before[0].p} DISABLE TRIGGER _100_check_append`), { code: 'EL003' },
    'and the DDL guard is back');

  const maxRestored = (await restored.query<{ m: string }>('SELECT max(tx_order)::text AS m FROM eventlog.events')).rows[0].m;
  for (let i = 25; i < 40; i++) {
    await restored.query(`SELECT count(*) FROM eventlog.log_event((SELECT jsonb_agg(jsonb_build_object('n', $1::int * 10 + g)) FROM generate_series(0, 9) AS g), 'e', 's')`, [i]);
    await restored.query('SELECT count(*) FROM eventlog.ensure_partitions(1)');
  }
  const after = (await restored.query<{ n: number; version: number; tx_order: string }>(
    `SELECT (payload->>'n')::int AS n, version, tx_order::text FROM eventlog.events WHERE (payload->>'n')::int >= 250 ORDER BY tx_order, etag`)).rows;
  t.ok(after.every((r) => BigInt(r.tx_order) > BigInt(maxRestored)), 'appends after the restore come after every restored event');
  t.ok((await partitions(restored)).length > before.length + 1, 'maintenance adds partitions in the restored database');

  const rest: number[] = [];
  for (let last = resumeAfter; ;) {
    const rows = (await restored.query<{ etag: string; payload: { n: number } }>('SELECT etag, payload FROM eventlog.get_event($1, 50)', [last])).rows;
    if (!rows.length) break;
    rest.push(...rows.map((r) => r.payload.n));
    last = rows.at(-1)!.etag;
  }
  t.same(rest, Array.from({ length: 400 - 80 }, (_, i) => 80 + i), 'a reader resuming from its etag gets every later event once, in order');
  t.same(after.map((r) => r.version), Array.from({ length: 150 }, (_, i) => 251 + i), 'the stream\'s versions go on without a gap');

  const stillOpen = (await restored.query<{ from_etag: string }>(
    'SELECT from_etag FROM eventlog.partition_ranges WHERE max_tx_order_so_far IS NULL AND from_etag = ANY ($1::bigint[])', [openAtDump])).rows;
  t.same(stillOpen, [], 'ranges the dump left open have closed in the new cluster, whose transaction ids are behind the recorded ones');
});
