// Installing twice is a no-op, and the bookkeeping is the runner's own table, in our schema.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import t from 'tap';
import { install, status, upgrade } from '../../src/install/index.ts';
import { defaultMigrationsDir } from '../../src/install/migrations.ts';
import { freshDatabase, repoRoot } from '../lib/db.ts';

const sqlFiles = async () => (await import('node:fs/promises')).readdir(defaultMigrationsDir).then((f) => f.filter((n) => n.endsWith('.sql')).sort());

t.test('installing twice leaves the same migrations rows and reports nothing applied', async (t) => {
  const db = await freshDatabase(t);
  const files = await sqlFiles();

  const first = await install({ databaseUrl: db.url });
  t.same(first.applied, files, 'first install applies every file of src/sql, in order');
  const rowsBefore = await db.query('SELECT id, name, hash, executed_at FROM eventlog.migrations ORDER BY id');
  t.equal(rowsBefore.length, files.length + 1, 'one row per file plus the runner\'s own migration 0');
  t.same(rowsBefore.map((r) => r.id), [...Array(files.length + 1).keys()], 'ids 0..N');

  const second = await install({ databaseUrl: db.url });
  t.same(second.applied, [], 'second install applies nothing');
  const rowsAfter = await db.query('SELECT id, name, hash, executed_at FROM eventlog.migrations ORDER BY id');
  t.same(rowsAfter, rowsBefore, 'migrations rows unchanged, executed_at included');

  const again = await upgrade({ databaseUrl: db.url });
  t.same(again.applied, [], 'upgrade right after install is a no-op');

  const s = await status({ databaseUrl: db.url });
  t.equal(s.installed, true);
  t.same(s.pending, [], 'nothing pending');
  t.same(s.changed, [], 'nothing changed');
});

t.test('the installed version is the package version', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const { version } = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8'));
  const [row] = await db.query<{ v: string }>('SELECT eventlog.version() AS v');
  t.equal(row.v, version, 'eventlog.version() = package.json version');
  t.equal((await status({ databaseUrl: db.url })).version, version, 'status reports it too');
});

t.test('the bookkeeping table has exactly the columns of the runner\'s migration 0', async (t) => {
  const db = await freshDatabase(t, { install: true });
  // Create the runner's own table from its own file in a scratch schema, and compare.
  const runnerSql = await readFile(
    path.join(path.dirname(createRequire(import.meta.url).resolve('postgres-migrations')), 'migrations', '0_create-migrations-table.sql'),
    'utf8',
  );
  const client = await db.connect();
  await client.query('CREATE SCHEMA runner_reference; SET search_path TO runner_reference');
  await client.query(runnerSql);
  const columns = (schema: string) =>
    db.query(
      `SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS dflt
         FROM pg_catalog.pg_attribute AS a
         LEFT JOIN pg_catalog.pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      [`${schema}.migrations`],
    );
  const ours = await columns('eventlog');
  t.ok(ours.length === 4, 'four columns');
  t.same(ours, await columns('runner_reference'), 'same names, types, nullability and defaults');
  const hash = await db.query<{ hash: string }>('SELECT hash FROM eventlog.migrations WHERE id = 0');
  const { createHash } = await import('node:crypto');
  t.equal(hash[0].hash, createHash('sha1').update('0_create-migrations-table.sql' + runnerSql).digest('hex'), 'row 0 is the runner\'s own migration');
  t.same(await db.query("SELECT 1 FROM pg_catalog.pg_tables WHERE tablename = 'migrations' AND schemaname = 'public'"), [], 'no public.migrations was created');
});
