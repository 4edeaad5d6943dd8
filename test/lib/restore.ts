// Dump a test database and restore it into a fresh cluster of its own, as a user moving to new
// hardware would: the new cluster's transaction ids start far behind the restored log positions.
import { rm } from 'node:fs/promises';
import pg from 'pg';
import type { Test } from 'tap';
import { createDatabase, pgEnv, provideCluster } from '../../scripts/lib/database.ts';
import { run, type TestDatabase } from './db.ts';

/** Burns transaction ids in `db`'s cluster, so that a fresh cluster starts far behind it. */
export async function burnTransactionIds(db: TestDatabase, count = 1500): Promise<void> {
  const client = await db.connect();
  for (let i = 0; i < count; i++) await client.query('SELECT pg_current_xact_id()');
}

/**
 * pg_dump of `source`, pg_restore into a new database of a new throwaway cluster (with our roles
 * created first, as pg_dumpall --roles-only would), asserting both succeed. Returns a connected
 * client of the restored database; everything is removed at teardown.
 */
export async function restoreIntoFreshCluster(t: Test, source: TestDatabase): Promise<pg.Client> {
  const dumpFile = `/tmp/pgel-dump-${source.name}.dump`;
  t.teardown(() => rm(dumpFile, { force: true }));
  const dump = await run('pg_dump', ['-Fc', '-f', dumpFile, source.url]);
  t.equal(dump.code, 0, `pg_dump succeeds ${dump.stderr}`);

  const target = await provideCluster({ provider: 'local' });
  t.teardown(() => target.stop());
  const admin = new pg.Client({ connectionString: target.url });
  await admin.connect();
  t.teardown(() => admin.end());
  await admin.query('CREATE ROLE eventlog_writer NOLOGIN; CREATE ROLE eventlog_reader NOLOGIN; CREATE ROLE eventlog_admin NOLOGIN');
  const targetUrl = await createDatabase(target.url);
  const restore = await run('pg_restore', ['--exit-on-error', '-d', targetUrl, dumpFile], { ...process.env, ...pgEnv(targetUrl) });
  t.equal(restore.code, 0, `pg_restore succeeds ${restore.stderr}`);

  const restored = new pg.Client({ connectionString: targetUrl });
  await restored.connect();
  t.teardown(() => restored.end());
  return restored;
}
