// dist/pg-eventlog.sql installs into an empty database with psql, records the same bookkeeping
// as the CLI, and the CLI can upgrade from there.
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { buildBundle, install, status, upgrade } from '../../src/install/index.ts';
import { defaultMigrationsDir } from '../../src/install/migrations.ts';
import { freshDatabase, psql, repoRoot, run } from '../lib/db.ts';

const bundlePath = path.join(repoRoot, 'dist', 'pg-eventlog.sql');

t.test('npm run build writes the bundle; psql installs it; upgrade afterwards is a no-op', async (t) => {
  const build = await run('npm', ['run', '--silent', 'build']);
  t.equal(build.code, 0, `npm run build exits 0 ${build.stderr}`);
  const bundle = await readFile(bundlePath, 'utf8');
  for (const file of (await readdir(defaultMigrationsDir)).filter((f) => f.endsWith('.sql'))) {
    const text = await readFile(path.join(defaultMigrationsDir, file), 'utf8');
    t.ok(bundle.includes(text.replace(/\n$/, '')), `${file} is in the bundle byte for byte`);
  }

  const db = await freshDatabase(t);
  const r = await psql(db, ['-q', '-f', bundlePath]);
  t.equal(r.code, 0, `psql -f exits 0 ${r.stderr}`);

  const reference = await freshDatabase(t, { install: true });
  const rows = 'SELECT id, name, hash FROM eventlog.migrations ORDER BY id';
  t.same(await db.query(rows), await reference.query(rows), 'same migrations rows (ids, names, hashes) as a CLI install');
  const inventory = 'SELECT object_name FROM eventlog.installed_objects ORDER BY 1';
  t.same(await db.query(inventory), await reference.query(inventory), 'the same record of what install created, so uninstall works');
  t.ok((await db.query(inventory)).length > 20, 'which lists the objects');
  const [v] = await db.query<{ v: string }>('SELECT eventlog.version() AS v');
  t.match(v.v, /^\d+\.\d+\.\d+/);

  t.same((await upgrade({ databaseUrl: db.url })).applied, [], 'upgrade after a bundle install applies nothing');
  t.same((await status({ databaseUrl: db.url })).pending, [], 'status: nothing pending');
  const [sp] = await db.query<{ search_path: string }>('SHOW search_path');
  t.equal(sp.search_path, '"$user", public');

  const again = await psql(db, ['-q', '-f', bundlePath]);
  t.not(again.code, 0, 'running the bundle twice fails');
  t.match(again.stderr, /pg-eventlog is already installed in schema eventlog/, 'and says why');
  t.same(await db.query(rows), await reference.query(rows), 'and changes nothing');
});

t.test('the bundle refuses a schema eventlog that is not ours', async (t) => {
  const db = await freshDatabase(t);
  await db.query('CREATE SCHEMA eventlog; CREATE TABLE eventlog.mine (x int)');
  const out = path.join(await mkdtemp(path.join(tmpdir(), 'pgel-bundle-')), 'b.sql');
  t.teardown(() => rm(path.dirname(out), { recursive: true, force: true }));
  await writeFile(out, await buildBundle(defaultMigrationsDir, '0.0.0-test'));
  const r = await psql(db, ['-q', '-f', out]);
  t.not(r.code, 0);
  t.match(r.stderr, /schema eventlog already exists but is not a pg-eventlog install/);
  t.same(await db.query("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = 'eventlog'"), [{ tablename: 'mine' }], 'untouched');
});

t.test('a disable-transaction migration runs outside the bundle\'s transaction', async (t) => {
  // src/sql plus one more migration that cannot run inside a transaction block.
  const dir = await mkdtemp(path.join(tmpdir(), 'pgel-sql-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const files = (await readdir(defaultMigrationsDir)).filter((f) => f.endsWith('.sql')).sort();
  for (const f of files) await copyFile(path.join(defaultMigrationsDir, f), path.join(dir, f));
  const next = String(files.length + 1).padStart(4, '0');
  await writeFile(
    path.join(dir, `${next}_add-probe-index.sql`),
    '-- postgres-migrations disable-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS migrations_probe ON eventlog.migrations (executed_at);\n',
  );
  const after = String(files.length + 2).padStart(4, '0');
  await writeFile(path.join(dir, `${after}_add-probe-comment.sql`), "COMMENT ON INDEX eventlog.migrations_probe IS 'probe';\n");

  const out = path.join(dir, 'bundle.sql.out');
  await writeFile(out, await buildBundle(dir, '0.0.0-test'));
  const db = await freshDatabase(t);
  const r = await psql(db, ['-q', '-f', out]);
  t.equal(r.code, 0, `bundle with CREATE INDEX CONCURRENTLY installs ${r.stderr}`);
  const [c] = await db.query<{ d: string }>("SELECT pg_catalog.obj_description('eventlog.migrations_probe'::regclass, 'pg_class') AS d");
  t.equal(c.d, 'probe', 'the migration after it ran too, in a new transaction');
  t.same((await upgrade({ databaseUrl: db.url, migrationsDir: dir })).applied, [], 'the runner agrees everything is applied');

  const viaCli = await freshDatabase(t);
  await install({ databaseUrl: viaCli.url, migrationsDir: dir });
  const rows = 'SELECT id, name, hash FROM eventlog.migrations ORDER BY id';
  t.same(await db.query(rows), await viaCli.query(rows), 'same bookkeeping as the runner');
});
