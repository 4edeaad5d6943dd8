// get_event(after_etag, max_rows) runs its batch query on one generic plan instead of planning it
// again on every call. Planning cost 35-80 us of CPU a call, most of what kept get_event(after, 100)
// behind a keyset scan in make bench (docs/benchmarks.md). Speed is not asserted here; the plans are:
// auto_explain reports each plan PL/pgSQL runs, and a generic plan shows its parameters as $n where
// a custom plan shows the values it was made for.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { batchPlans, explainingReader, readFullBatches } from '../lib/plans.ts';

t.test('get_event(after, n) reuses a generic plan for its batch query', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT count(*) FROM eventlog.log_event(
    (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('n', g)) FROM pg_catalog.generate_series(1, 300) AS g))`);
  await db.query('ANALYZE eventlog.events');

  // auto_explain is part of PostgreSQL itself.
  const { reader, plans } = await explainingReader(db);

  // More calls than the 5 custom plans PostgreSQL tries before it compares them with a generic one.
  const calls = 8;
  await readFullBatches(t, reader, 0, 10, calls);

  const batches = batchPlans(plans);
  t.equal(batches.length, calls, 'auto_explain showed the batch query of every call');
  const conditions = batches.map((p) => p.match(/Index Cond: (.*)/)?.[1] ?? p);
  t.same(
    conditions.filter((c) => !/ROW\(\$\d+, \$\d+\)/.test(c)),
    [],
    'every call ran the generic plan (parameters $n, not the values of a custom plan)',
  );
  t.ok(conditions.every((c) => /ROW\(tx_order, etag\) > ROW/.test(c)), 'and that plan is the (tx_order, etag) index scan');
});
