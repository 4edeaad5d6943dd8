// A host database with its own public.migrations (same shape as the runner's, so the runner
// would happily read it) and another tool's other_tool.migrations: we install next to them and
// leave every row as it was.
import t from 'tap';
import { install, status, upgrade } from '../../src/install/index.ts';
import { freshDatabase, type TestDatabase } from '../lib/db.ts';

const APP_ROWS = [
  { id: 0, name: 'create-migrations-table', hash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', executed_at: '2020-01-01 00:00:00' },
  { id: 1, name: 'create-users', hash: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', executed_at: '2020-01-02 00:00:00' },
  { id: 2, name: 'create-orders', hash: 'cccccccccccccccccccccccccccccccccccccccc', executed_at: '2020-01-03 00:00:00' },
];
const OTHER_ROWS = [
  { version: '20200101', description: 'init', applied_by: 'flyway' },
  { version: '20200202', description: 'add index', applied_by: 'flyway' },
];

async function hostDatabase(db: TestDatabase) {
  await db.query(`CREATE TABLE public.migrations (
    id integer PRIMARY KEY,
    name varchar(100) UNIQUE NOT NULL,
    hash varchar(40) NOT NULL,
    executed_at timestamp DEFAULT current_timestamp)`);
  for (const r of APP_ROWS) {
    await db.query('INSERT INTO public.migrations (id, name, hash, executed_at) VALUES ($1, $2, $3, $4)', [r.id, r.name, r.hash, r.executed_at]);
  }
  await db.query('CREATE SCHEMA other_tool');
  await db.query('CREATE TABLE other_tool.migrations (version text PRIMARY KEY, description text, applied_by text)');
  for (const r of OTHER_ROWS) {
    await db.query('INSERT INTO other_tool.migrations VALUES ($1, $2, $3)', [r.version, r.description, r.applied_by]);
  }
}

const appRows = (db: TestDatabase) =>
  db.query("SELECT id, name, hash, to_char(executed_at, 'YYYY-MM-DD HH24:MI:SS') AS executed_at FROM public.migrations ORDER BY id");
const otherRows = (db: TestDatabase) => db.query('SELECT version, description, applied_by FROM other_tool.migrations ORDER BY version');

t.test('installs next to public.migrations and other_tool.migrations and leaves their rows alone', async (t) => {
  const db = await freshDatabase(t);
  await hostDatabase(db);

  const result = await install({ databaseUrl: db.url });
  const expected = (await status({ databaseUrl: db.url })).applied.map((m) => `${String(m.id).padStart(4, '0')}_${m.name}.sql`);
  t.same(result.applied, expected, 'every migration applied although public.migrations already has ids 0..2');
  t.ok(result.applied.length >= 3);

  t.same(await appRows(db), APP_ROWS, 'public.migrations rows unchanged, by value');
  t.same(await otherRows(db), OTHER_ROWS, 'other_tool.migrations rows unchanged, by value');
  const ours = await db.query<{ id: number; name: string }>('SELECT id, name FROM eventlog.migrations ORDER BY id');
  t.same(ours.slice(0, 2), [{ id: 0, name: 'create-migrations-table' }, { id: 1, name: 'create-schema' }], 'our bookkeeping is in eventlog.migrations');

  t.same((await install({ databaseUrl: db.url })).applied, [], 'installing again is a no-op');
  t.same((await upgrade({ databaseUrl: db.url })).applied, [], 'so is upgrade');
  t.same(await appRows(db), APP_ROWS, 'still unchanged after reinstall');
  t.same(await otherRows(db), OTHER_ROWS, 'still unchanged after reinstall');

  const [sp] = await db.query<{ search_path: string }>('SHOW search_path');
  t.equal(sp.search_path, '"$user", public', 'the installer did not leave its search_path behind (checked on a separate session default)');
});

t.test('a caller\'s own client keeps its search_path after install', async (t) => {
  const db = await freshDatabase(t);
  await hostDatabase(db);
  const client = await db.connect();
  await client.query('SET search_path TO other_tool, public');
  await install({ client });
  const { rows } = await client.query('SHOW search_path');
  t.equal(rows[0].search_path, 'other_tool, public', 'search_path restored');
  const { rows: r2 } = await client.query('SELECT count(*)::int AS n FROM migrations');
  t.equal(r2[0].n, OTHER_ROWS.length, 'unqualified migrations still means the caller\'s table');
});
