// pg_dump from one cluster, restore into a fresh cluster whose transaction ids are far behind:
// events appended after the restore must come after the restored ones, and a reader continuing
// from its last etag must miss nothing.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { burnTransactionIds, restoreIntoFreshCluster } from '../lib/restore.ts';

t.test('order and resume points survive pg_dump and restore into a fresh cluster', async (t) => {
  const source = await freshDatabase(t, { install: true });
  await source.query(`SELECT eventlog.log_event('[{"n": 1}, {"n": 2}, {"n": 3}]')`);
  // Push the source cluster's transaction ids well past where a fresh cluster starts.
  await burnTransactionIds(source);
  await source.query(`SELECT eventlog.log_event('[{"n": 4}, {"n": 5}]')`);

  const firstRead = await source.query<{ etag: string; payload: { n: number } }>('SELECT etag, payload FROM eventlog.get_event(0, 3)');
  t.same(firstRead.map((r) => r.payload.n), [1, 2, 3], 'the reader has seen the first three events');
  const resumeAfter = firstRead[2].etag;

  const restored = await restoreIntoFreshCluster(t, source);
  const { rows: [gap] } = await restored.query<{ xid: string; max: string }>(
    'SELECT pg_current_xact_id()::text AS xid, (SELECT max(tx_order) FROM eventlog.events)::text AS max');
  t.ok(BigInt(gap.xid) < BigInt(gap.max), `the fresh cluster's transaction ids (${gap.xid}) are behind the restored positions (${gap.max})`);

  const { rows: resumedBefore } = await restored.query<{ payload: { n: number } }>('SELECT payload FROM eventlog.get_event($1, 10)', [resumeAfter]);
  t.same(resumedBefore.map((r) => r.payload.n), [4, 5], 'before any append, a resumed reader gets the rest of the restored events');

  await restored.query(`SELECT eventlog.log_event('{"n": 6}')`);
  await restored.query(`SELECT eventlog.log_event('{"n": 7}')`);

  const { rows: resumed } = await restored.query<{ payload: { n: number } }>('SELECT payload FROM eventlog.get_event($1, 10)', [resumeAfter]);
  t.same(resumed.map((r) => r.payload.n), [4, 5, 6, 7], 'resuming after the last etag seen misses nothing, and new events come last');
  const { rows: all } = await restored.query<{ payload: { n: number } }>('SELECT payload FROM eventlog.get_event(0, 100)');
  t.same(all.map((r) => r.payload.n), [1, 2, 3, 4, 5, 6, 7], 'the whole log reads in order');
});
