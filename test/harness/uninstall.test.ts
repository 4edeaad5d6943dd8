// uninstall drops our schema and roles and nothing else.
//
// Each test installs with roles of its own (--role-prefix), so that what it asserts about dropping
// roles holds on any server, also one where other databases have pg-eventlog installed.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { install, InstallError, status, uninstall, upgrade } from '../../src/install/index.ts';
import { defaultMigrationsDir } from '../../src/install/migrations.ts';
import { cli, freshDatabase, type TestDatabase } from '../lib/db.ts';

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
  t.equal(r.stdout, `dropped event trigger eventlog_guard\ndropped event trigger eventlog_guard_drop\ndropped schema eventlog\ndropped roles: ${prefix}_writer, ${prefix}_reader, ${prefix}_admin\nremoved membership: pgel_app_user -> ${prefix}_writer\n`);

  t.same(await db.query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'eventlog'"), [], 'schema eventlog is gone');
  t.same(await db.query("SELECT evtname FROM pg_catalog.pg_event_trigger WHERE evtname IN ('eventlog_guard', 'eventlog_guard_drop')"), [], 'and its event triggers');
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

/** Every object outside the system schemas, with a digest of each table's rows, and the event triggers. */
async function snapshot(db: TestDatabase) {
  const relations = await db.query<{ name: string; relkind: string }>(
    `SELECT c.oid::regclass::text AS name, c.relkind::text FROM pg_catalog.pg_class AS c
      WHERE c.relnamespace::regnamespace::text NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1`,
  );
  const rows: Record<string, string> = {};
  for (const r of relations.filter((r) => r.relkind === 'r')) {
    const [d] = await db.query<{ d: string }>(`SELECT pg_catalog.md5(coalesce(pg_catalog.string_agg(x::text, ',' ORDER BY x::text), '')) AS d FROM ${r.name} AS x`);
    rows[r.name] = d.d;
  }
  return {
    relations,
    rows,
    functions: await db.query(
      `SELECT p.oid::regprocedure::text AS name FROM pg_catalog.pg_proc AS p
        WHERE p.pronamespace::regnamespace::text NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    ),
    types: await db.query(
      `SELECT t.oid::regtype::text AS name FROM pg_catalog.pg_type AS t
        WHERE t.typnamespace::regnamespace::text NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1`,
    ),
    eventTriggers: await db.query('SELECT evtname FROM pg_catalog.pg_event_trigger ORDER BY 1'),
  };
}

t.test('uninstall refuses, dropping nothing, while the drop would take objects install did not create', async (t) => {
  const prefix = uniquePrefix();
  const db = await freshDatabase(t, { install: { rolePrefix: prefix } });
  await db.query(`CREATE TABLE eventlog.my_data (id int PRIMARY KEY, note text);
    INSERT INTO eventlog.my_data VALUES (1, 'mine');
    CREATE VIEW eventlog.my_view AS SELECT id FROM eventlog.my_data;
    CREATE FUNCTION eventlog.my_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';
    CREATE TYPE eventlog.my_type AS ENUM ('a', 'b');
    CREATE SEQUENCE eventlog.my_seq;
    CREATE INDEX my_index ON eventlog.events (ctime);
    CREATE SCHEMA app;
    CREATE VIEW app.recent AS SELECT etag, payload FROM eventlog.events;
    CREATE TABLE app.keep (id int, e eventlog.events)`);
  const before = await snapshot(db);

  const s = await status({ databaseUrl: db.url, rolePrefix: prefix });
  t.same(
    s.foreign,
    [
      'function eventlog.my_fn()', 'index eventlog.my_index', 'sequence eventlog.my_seq', 'table column app.keep.e',
      'table eventlog.my_data', 'type eventlog.my_type', 'view app.recent', 'view eventlog.my_view',
    ],
    'status lists exactly the objects install did not create',
  );

  const r = await cli(['uninstall', '--database-url', db.url, '--role-prefix', prefix], db.env);
  t.equal(r.code, 1, 'exit 1');
  t.equal(r.stdout, '');
  t.equal(
    r.stderr,
    'pg-eventlog: error: uninstalling schema eventlog would drop objects pg-eventlog did not create: function eventlog.my_fn(), index eventlog.my_index, sequence eventlog.my_seq, table column app.keep.e, table eventlog.my_data, type eventlog.my_type, view app.recent, view eventlog.my_view; nothing was dropped (move or drop them first)\n',
    'one line naming what is in the way',
  );
  t.same(await snapshot(db), before, 'every object and every row is still there');
  t.same((await db.query('SELECT rolname FROM pg_catalog.pg_roles WHERE starts_with(rolname, $1)', [prefix])).length, 3, 'roles kept');
  await t.rejects(uninstall({ databaseUrl: db.url, rolePrefix: prefix }), { constructor: InstallError, code: 'FOREIGN_OBJECTS' }, 'the library refuses too');

  await db.query(`DROP VIEW app.recent, eventlog.my_view; DROP TABLE eventlog.my_data; DROP FUNCTION eventlog.my_fn();
    DROP TYPE eventlog.my_type; DROP SEQUENCE eventlog.my_seq; DROP INDEX eventlog.my_index; ALTER TABLE app.keep DROP COLUMN e`);
  const ok = await cli(['uninstall', '--database-url', db.url, '--role-prefix', prefix], db.env);
  t.equal(ok.code, 0, `once they are gone, uninstall works ${ok.stderr}`);
  t.same(await db.query("SELECT to_regclass('app.keep')::text AS k"), [{ k: 'app.keep' }], 'app.keep stays');
});

t.test('what new migrations create is ours, an event trigger included; what the user adds is not', async (t) => {
  // src/sql plus one more migration, as a teammate would add it: a table, a function, a view,
  // a type, a sequence and an event trigger whose function is in the schema.
  const dir = await mkdtemp(path.join(tmpdir(), 'pgel-sql-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const files = (await readdir(defaultMigrationsDir)).filter((f) => f.endsWith('.sql')).sort();
  for (const f of files) await copyFile(path.join(defaultMigrationsDir, f), path.join(dir, f));
  const trigger = `pgel_probe_${randomBytes(4).toString('hex')}`;
  await writeFile(
    path.join(dir, `${String(files.length + 1).padStart(4, '0')}_add-probe-objects.sql`),
    `CREATE TABLE eventlog.probe_things (id int PRIMARY KEY);
CREATE SEQUENCE eventlog.probe_seq;
CREATE TYPE eventlog.probe_kind AS (a int, b text);
CREATE VIEW eventlog.probe_view AS SELECT id FROM eventlog.probe_things;
CREATE FUNCTION eventlog.tg_probe() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END; $$;
CREATE EVENT TRIGGER ${trigger} ON ddl_command_start WHEN TAG IN ('ALTER TABLE') EXECUTE FUNCTION eventlog.tg_probe();
`,
  );
  const prefix = uniquePrefix();
  const db = await freshDatabase(t, { install: { rolePrefix: prefix } });
  await db.query('CREATE TABLE eventlog.user_notes (note text)');
  const up = await upgrade({ databaseUrl: db.url, rolePrefix: prefix, migrationsDir: dir });
  t.equal(up.applied.length, 1, 'the upgrade applies the new migration');
  t.same((await status({ databaseUrl: db.url, rolePrefix: prefix, migrationsDir: dir })).foreign, ['table eventlog.user_notes'], 'only the user\'s table is foreign');

  const refused = await cli(['uninstall', '--database-url', db.url, '--role-prefix', prefix], db.env);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /would drop objects pg-eventlog did not create: table eventlog\.user_notes; nothing was dropped/);
  t.same(await db.query('SELECT evtname FROM pg_catalog.pg_event_trigger WHERE evtname = $1', [trigger]), [{ evtname: trigger }], 'event trigger kept');

  await db.query('DROP TABLE eventlog.user_notes');

  // Only a superuser (or its owner) may drop an event trigger: a schema owner who is not one is
  // refused on it, and the transaction takes back everything it had done.
  const owner = `${prefix}_owner`;
  await db.query(`CREATE ROLE ${owner} LOGIN CREATEROLE; ALTER SCHEMA eventlog OWNER TO ${owner}; GRANT SELECT ON eventlog.installed_objects TO ${owner}`);
  t.teardown(() => db.query(`DROP ROLE IF EXISTS ${owner}`).catch(() => {}));
  const before = await snapshot(db);
  const asOwner = new URL(db.url);
  asOwner.username = owner;
  const denied = await cli(['uninstall', '--database-url', asOwner.toString(), '--role-prefix', prefix], db.env);
  t.equal(denied.code, 1, 'a non-superuser cannot drop the event trigger');
  t.match(denied.stderr, /^pg-eventlog: error: uninstall failed, nothing was dropped: must be owner of event trigger \w+\n$/);
  t.same(await snapshot(db), before, 'and nothing was dropped');
  await db.query('ALTER SCHEMA eventlog OWNER TO CURRENT_USER');

  const r = await cli(['uninstall', '--database-url', db.url, '--role-prefix', prefix], db.env);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, new RegExp(`^dropped event trigger eventlog_guard\ndropped event trigger eventlog_guard_drop\ndropped event trigger ${trigger}\ndropped schema eventlog\n`), 'says it dropped every event trigger, ours of 0026 and 0046 and the new one');
  t.same(await db.query('SELECT evtname FROM pg_catalog.pg_event_trigger WHERE evtname = $1', [trigger]), [], 'the event trigger is gone');
  t.same(await db.query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'eventlog'"), [], 'the schema is gone');
});

t.test('an install without the record of its objects: uninstall refuses until install records them', async (t) => {
  const prefix = uniquePrefix();
  const db = await freshDatabase(t, { install: { rolePrefix: prefix } });
  await db.query('DROP TABLE eventlog.installed_objects'); // as an install made before the record existed
  const before = await snapshot(db);
  const r = await cli(['uninstall', '--database-url', db.url, '--role-prefix', prefix], db.env);
  t.equal(r.code, 1);
  t.match(r.stderr, /^pg-eventlog: error: schema eventlog has no record of the objects pg-eventlog created .*; nothing was dropped \(run pg-eventlog install once/);
  t.same(await snapshot(db), before, 'nothing dropped');
  const s = await cli(['status', '--database-url', db.url, '--role-prefix', prefix], db.env);
  t.match(s.stdout, /^no record of the objects install created \(an older install\): run install once, or uninstall will refuse$/m, 'status says so');
  await install({ databaseUrl: db.url, rolePrefix: prefix });
  const after = await status({ databaseUrl: db.url, rolePrefix: prefix });
  t.same([after.recorded, after.foreign], [true, []], 'install recorded everything as ours');
  const again = await uninstall({ databaseUrl: db.url, rolePrefix: prefix });
  t.equal(again.schemaDropped, true, 'then uninstall works');
});
