// pg_dump from one cluster, restore into a fresh cluster whose transaction ids are far behind:
// events appended after the restore must come after the restored ones, and a reader continuing
// from its last etag must miss nothing.
import { rm } from 'node:fs/promises';
import t from 'tap';
import pg from 'pg';
import { provideCluster, createDatabase, pgEnv } from '../../scripts/lib/database.ts';
import { freshDatabase, run } from '../lib/db.ts';

t.test('order and resume points survive pg_dump and restore into a fresh cluster', async (t) => {
  const source = await freshDatabase(t, { install: true });
  await source.query(`SELECT eventlog.log_event('[{"n": 1}, {"n": 2}, {"n": 3}]')`);
  // Push the source cluster's transaction ids well past where a fresh cluster starts.
  const burner = await source.connect();
  for (let i = 0; i < 1500; i++) await burner.query('SELECT pg_current_xact_id()');
  await source.query(`SELECT eventlog.log_event('[{"n": 4}, {"n": 5}]')`);

  const firstRead = await source.query<{ etag: string; payload: { n: number } }>('SELECT etag, payload FROM eventlog.get_event(0, 3)');
  t.same(firstRead.map((r) => r.payload.n), [1, 2, 3], 'the reader has seen the first three events');
  const resumeAfter = firstRead[2].etag;

  const dumpFile = `/tmp/pgel-dump-${source.name}.dump`;
  t.teardown(() => rm(dumpFile, { force: true }));
  const dump = await run('pg_dump', ['-Fc', '-f', dumpFile, source.url]);
  t.equal(dump.code, 0, `pg_dump succeeds ${dump.stderr}`);

  const target = await provideCluster({ provider: 'local' });
  t.teardown(() => target.stop());
  const admin = new pg.Client({ connectionString: target.url });
  await admin.connect();
  t.teardown(() => admin.end());
  // Roles are cluster-wide and not in a database dump: create them as pg_dumpall --roles-only would.
  await admin.query('CREATE ROLE eventlog_writer NOLOGIN; CREATE ROLE eventlog_reader NOLOGIN; CREATE ROLE eventlog_admin NOLOGIN');
  const targetUrl = await createDatabase(target.url);
  const restore = await run('pg_restore', ['--exit-on-error', '-d', targetUrl, dumpFile], { ...process.env, ...pgEnv(targetUrl) });
  t.equal(restore.code, 0, `pg_restore succeeds ${restore.stderr}`);

  const restored = new pg.Client({ connectionString: targetUrl });
  await restored.connect();
  t.teardown(() => restored.end());
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
