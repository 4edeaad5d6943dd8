// uninstall drops our schema and roles and nothing else.
//
// Each test installs with roles of its own (--role-prefix), so that what it asserts about dropping
// roles holds on any server, also one where other databases have pg-eventlog installed.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { uninstall } from '../../src/install/index.ts';
import { cli, freshDatabase } from '../lib/db.ts';

const uniquePrefix = () => `pgel_t${randomBytes(4).toString('hex')}`;

t.test('uninstall leaves other schemas, public.migrations and app roles alone', async (t) => {
  const prefix = uniquePrefix();
  const db = await freshDatabase(t, { install: { rolePrefix: prefix } });
  await db.query('CREATE SCHEMA app; CREATE TABLE app.orders (id int PRIMARY KEY, total numeric)');
  await db.query("INSERT INTO app.orders VALUES (1, 9.50), (2, 12.00)");
  await db.query('CREATE TABLE public.migrations (id integer PRIMARY KEY, name varchar(100), hash varchar(40))');
  await db.query("INSERT INTO public.migrations VALUES (0, 'app-init', 'abc')");
  await db.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pgel_app_user') THEN CREATE ROLE pgel_app_user LOGIN; END IF;
    END $$`);
  t.teardown(() => db.query('DROP ROLE IF EXISTS pgel_app_user'));
  await db.query(`GRANT ${prefix}_writer TO pgel_app_user`);

  const r = await cli(['uninstall', '--database-url', db.url, '--role-prefix', prefix], db.env);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, `dropped schema eventlog\ndropped roles: ${prefix}_writer, ${prefix}_reader, ${prefix}_admin\nremoved membership: pgel_app_user -> ${prefix}_writer\n`);

  t.same(await db.query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'eventlog'"), [], 'schema eventlog is gone');
  t.same(await db.query('SELECT rolname FROM pg_catalog.pg_roles WHERE starts_with(rolname, $1)', [prefix]), [], 'our roles are gone');
  t.same(await db.query('SELECT id, total::text FROM app.orders ORDER BY id'), [{ id: 1, total: '9.50' }, { id: 2, total: '12.00' }], 'app data intact');
  t.same(await db.query('SELECT id, name, hash FROM public.migrations'), [{ id: 0, name: 'app-init', hash: 'abc' }], 'public.migrations intact');
  t.same(await db.query("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname = 'pgel_app_user'"), [{ rolname: 'pgel_app_user' }], 'app role kept');

  const again = await cli(['uninstall', '--database-url', db.url, '--role-prefix', prefix], db.env);
  t.equal(again.code, 0, 'uninstalling again is fine');
  t.equal(again.stdout, 'schema eventlog did not exist\n');
});

t.test('a role still used by another database is kept, and uninstall says so', async (t) => {
  const rolePrefix = uniquePrefix();
  const roles = [`${rolePrefix}_writer`, `${rolePrefix}_reader`, `${rolePrefix}_admin`];
  const a = await freshDatabase(t, { install: { rolePrefix } });
  const b = await freshDatabase(t, { install: { rolePrefix } });
  const r = await uninstall({ databaseUrl: a.url, rolePrefix });
  t.equal(r.schemaDropped, true);
  t.same(r.rolesDropped, [], 'no role dropped');
  t.same(r.rolesKept.map((k) => k.role), roles);
  t.match(r.rolesKept[0].reason, new RegExp(`in database ${b.name}`), 'the reason names the other database');
  const [v] = await b.query<{ v: string }>('SELECT eventlog.version() AS v');
  t.ok(v.v, 'the other database still works');
  const last = await uninstall({ databaseUrl: b.url, rolePrefix });
  t.same(last.rolesDropped, roles, 'the last uninstall drops them');
});

t.test('uninstall refuses a schema that is not a pg-eventlog install', async (t) => {
  const db = await freshDatabase(t);
  await db.query('CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int)');
  const r = await cli(['uninstall', '--database-url', db.url, '--schema', 'billing'], db.env);
  t.equal(r.code, 1);
  t.equal(r.stderr, 'pg-eventlog: error: schema billing exists but is not a pg-eventlog install (no billing.migrations); nothing was dropped\n');
  t.same(await db.query("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = 'billing'"), [{ tablename: 'invoices' }]);
});
