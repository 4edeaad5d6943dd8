// `freshDatabase(t, { install: true })` copies a template database in which the log was installed
// once (test/lib/db.ts) instead of running the migrations for every test. That is only sound if a
// copy is what an install makes: the same objects, grants, comments and rows, and the database
// settings that CREATE DATABASE … TEMPLATE does not copy (migration 0027's
// eventlog.synchronous_cursors). `pg_dump --create` prints all of them, database settings included.
import t from 'tap';
import { createDatabase, dropDatabase, pgEnv } from '../../scripts/lib/database.ts';
import { install } from '../../src/install/index.ts';
import { freshDatabase, installedTemplate, run, testCluster } from '../lib/db.ts';

/** `pg_dump --create` of `url`, its database name replaced, pg_dump's random \restrict key left out. */
async function dump(url: string, name: string): Promise<string[]> {
  const r = await run('pg_dump', ['--create', '--exclude-table-data=eventlog.migrations', url], { ...process.env, ...pgEnv(url) });
  if (r.code !== 0) throw new Error(`pg_dump failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => !/^\\(un)?restrict /.test(l)).map((l) => l.split(name).join('<db>'));
}

t.test('a copy of the installed template is what an install makes', async (t) => {
  const { url: adminUrl } = await testCluster();
  const installed = await freshDatabase(t);
  await install({ databaseUrl: installed.url });

  const copyUrl = await createDatabase(adminUrl, undefined, { template: await installedTemplate(adminUrl) });
  const copyName = decodeURIComponent(new URL(copyUrl).pathname.slice(1));
  t.teardown(() => dropDatabase(adminUrl, copyName));

  const [a, b] = [await dump(installed.url, installed.name), await dump(copyUrl, copyName)];
  t.ok(a.some((l) => /^ALTER DATABASE <db> SET "eventlog\.synchronous_cursors" TO 'off';$/.test(l)), 'the install sets the database default (the dump shows it)');
  t.same(b, a, 'pg_dump --create of the copy equals that of the install, database settings included');

  const migrations = 'SELECT id, name, hash FROM eventlog.migrations ORDER BY id';
  const copy = await freshDatabase(t, { install: true });
  t.same(await copy.query(migrations), await installed.query(migrations), 'the same migrations rows (executed_at aside: the template was installed earlier)');
  const [row] = await copy.query<{ v: string }>("SELECT pg_catalog.current_setting('eventlog.synchronous_cursors') AS v");
  t.equal(row.v, 'off', 'a new session on a copy made by freshDatabase knows the setting');
});
