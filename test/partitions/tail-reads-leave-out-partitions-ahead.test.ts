// get_event(after_etag, n) leaves out the partitions above the log's end (src/sql/0010): the
// batch query names an etag ceiling (the etag sequence's last value), so the generic plan's
// initial pruning starts no index scan on the empty ranges ensure_partitions keeps ahead, nor on
// the default partition. Before, every call started and probed one index scan per partition,
// about a fifth of a call at batch 10 (docs/benchmarks.md). The plans come from auto_explain,
// which shows each plan PL/pgSQL runs; speed is not asserted here. The same test shows the
// ceiling does not make the plan a sort of the etag range (enable_sort = off in the function).
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { batchPlans, explainingReader, readFullBatches } from '../lib/plans.ts';

t.test('the batch query of get_event(after, n) scans only the partitions up to the log end', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query('SELECT eventlog.set_partition_size(100000)');
  // 250,000 events: ranges 0, 100000 and 200000 hold events; ensure_partitions adds two empty ones ahead.
  // (Enough rows that a sort of the etag range would look cheaper to the planner than the index.)
  for (let i = 0; i < 50; i++) {
    await db.query(`SELECT count(*) FROM eventlog.log_event(
      (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('n', g)) FROM pg_catalog.generate_series(1, 5000) AS g))`);
    if (i % 10 === 9) await db.query('SELECT count(*) FROM eventlog.ensure_partitions(2)');
  }
  await db.query('ANALYZE eventlog.events');
  const partitions = (await db.query<{ name: string }>(
    `SELECT c.relname::text AS name FROM pg_catalog.pg_inherits AS i JOIN pg_catalog.pg_class AS c ON c.oid = i.inhrelid WHERE i.inhparent = 'eventlog.events'::regclass ORDER BY 1`)).map((r) => r.name);
  t.ok(partitions.length >= 6, `the log has the default partition, three with events and at least two ahead (${partitions.join(', ')})`);

  const { reader, plans } = await explainingReader(db);

  // From the first event, 100 at a time: every batch lies in range 0. More calls than
  // the five custom plans, though the function's plans are generic from the first.
  const first = Number((await reader.query<{ etag: string }>('SELECT min(etag) AS etag FROM eventlog.events')).rows[0].etag);
  const calls = 8;
  await readFullBatches(t, reader, first, 100, calls);

  const batches = batchPlans(plans);
  t.equal(batches.length, calls, 'auto_explain showed the batch query of every call');
  const scanned = (p: string) => [...p.matchAll(/Index Scan using (\S+) on (\S+)/g)].map((m) => m[2]);
  const ahead = partitions.filter((p) => p.endsWith('_default') || /_(\d+)$/.test(p) && Number(p.match(/_(\d+)$/)![1]) >= 300000);
  t.ok(ahead.length >= 3, `the default partition and the ranges ahead: ${ahead.join(', ')}`);
  t.same(batches.filter((p) => scanned(p).some((name) => ahead.includes(name))).map(scanned), [],
    'no call started an index scan on the default partition or on a range above the log end');
  t.ok(batches.every((p) => /Index Scan using \S+_tx_order_etag_idx/.test(p) && !/\bSort\b(?! Key)/.test(p)),
    'every call read the (tx_order, etag) index in order, with no sort');
});
