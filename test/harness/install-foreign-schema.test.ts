// install into a schema that exists but is not a pg-eventlog install is refused, and nothing in
// the database changes: not the schema's objects, not their rows, no roles, no bookkeeping.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { install, InstallError } from '../../src/install/index.ts';
import { cli, freshDatabase, type TestDatabase } from '../lib/db.ts';

const uniquePrefix = () => `pgel_t${randomBytes(4).toString('hex')}`;

/** Every object outside the system schemas, the roles starting with `prefix`, and the schemas. */
async function snapshot(db: TestDatabase, prefix: string) {
  return {
    schemas: await db.query(
      "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1",
    ),
    relations: await db.query(
      `SELECT c.oid::regclass::text AS name, c.relkind FROM pg_catalog.pg_class AS c
        WHERE c.relnamespace::regnamespace::text NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1`,
    ),
    functions: await db.query(
      `SELECT p.oid::regprocedure::text AS name, pg_catalog.md5(p.prosrc) AS body FROM pg_catalog.pg_proc AS p
        WHERE p.pronamespace::regnamespace::text NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    ),
    roles: await db.query('SELECT rolname FROM pg_catalog.pg_roles WHERE starts_with(rolname, $1) ORDER BY 1', [prefix]),
  };
}

t.test('install into an existing schema eventlog holding a user table: refused, nothing changed', async (t) => {
  const prefix = uniquePrefix();
  const db = await freshDatabase(t);
  await db.query('CREATE SCHEMA eventlog; CREATE TABLE eventlog.my_data (id int PRIMARY KEY, note text)');
  await db.query("INSERT INTO eventlog.my_data VALUES (1, 'keep me'), (2, 'me too')");
  const before = await snapshot(db, prefix);

  const r = await cli(['install', '--database-url', db.url, '--role-prefix', prefix], db.env);
  t.equal(r.code, 1, 'exit 1');
  t.equal(r.stdout, '', 'no success line');
  t.equal(
    r.stderr,
    'pg-eventlog: error: schema eventlog already exists and is not a pg-eventlog install: it holds table eventlog.my_data; nothing was changed (install into a schema of its own with --schema NAME)\n',
    'one line naming the schema and what is in it',
  );
  t.same(await snapshot(db, prefix), before, 'same schemas, relations, functions; no roles created');
  t.same(await db.query('SELECT id, note FROM eventlog.my_data ORDER BY id'), [{ id: 1, note: 'keep me' }, { id: 2, note: 'me too' }], 'rows intact');
  t.same(await db.query("SELECT pg_catalog.to_regclass('eventlog.migrations') AS m"), [{ m: null }], 'no bookkeeping table');

  const upgraded = await cli(['upgrade', '--database-url', db.url, '--role-prefix', prefix], db.env);
  t.equal(upgraded.code, 1, 'upgrade refuses too');
  t.same(await snapshot(db, prefix), before, 'and changes nothing');
});

t.test('install --schema billing next to billing.invoices and a function: refused, naming both', async (t) => {
  const prefix = uniquePrefix();
  const db = await freshDatabase(t);
  await db.query(`CREATE SCHEMA billing;
    CREATE TABLE billing.invoices (id int PRIMARY KEY, total numeric);
    INSERT INTO billing.invoices VALUES (7, 19.90);
    CREATE FUNCTION billing.total() RETURNS numeric LANGUAGE sql AS 'SELECT sum(total) FROM billing.invoices'`);
  const before = await snapshot(db, prefix);
  const r = await cli(['install', '--database-url', db.url, '--schema', 'billing', '--role-prefix', prefix], db.env);
  t.equal(r.code, 1);
  t.match(r.stderr, /^pg-eventlog: error: schema billing already exists and is not a pg-eventlog install: it holds function billing\.total\(\), table billing\.invoices; nothing was changed/);
  t.equal(r.stderr.split('\n').length, 2, 'one line');
  t.same(await snapshot(db, prefix), before, 'nothing changed');
  t.same(await db.query('SELECT id, total::text FROM billing.invoices'), [{ id: 7, total: '19.90' }], 'rows intact');
});

t.test('another tool\'s migrations table does not make a schema ours', async (t) => {
  const prefix = uniquePrefix();
  const db = await freshDatabase(t);
  await db.query(`CREATE SCHEMA app;
    CREATE TABLE app.migrations (version text PRIMARY KEY, applied_at timestamptz);
    INSERT INTO app.migrations VALUES ('20240101_init', now())`);
  const before = await snapshot(db, prefix);
  const r = await cli(['install', '--database-url', db.url, '--schema', 'app', '--role-prefix', prefix], db.env);
  t.equal(r.code, 1);
  t.match(r.stderr, /schema app already exists and is not a pg-eventlog install: it holds table app\.migrations;/);
  t.same(await snapshot(db, prefix), before, 'nothing changed');
  const un = await cli(['uninstall', '--database-url', db.url, '--schema', 'app', '--role-prefix', prefix], db.env);
  t.equal(un.code, 1, 'uninstall refuses it too');
  t.same(await snapshot(db, prefix), before, 'and drops nothing');
});

t.test('an empty pre-existing schema is refused too (not adopted), and stays', async (t) => {
  const prefix = uniquePrefix();
  const db = await freshDatabase(t);
  await db.query('CREATE SCHEMA eventlog');
  const before = await snapshot(db, prefix);
  const r = await cli(['install', '--database-url', db.url, '--role-prefix', prefix], db.env);
  t.equal(r.code, 1);
  t.equal(
    r.stderr,
    'pg-eventlog: error: schema eventlog already exists and is not a pg-eventlog install (it is empty); nothing was changed (drop it with DROP SCHEMA "eventlog", or install with --schema NAME)\n',
  );
  t.same(await snapshot(db, prefix), before, 'the empty schema is still there, nothing else created');
});

t.test('the library refuses with code FOREIGN_SCHEMA', async (t) => {
  const db = await freshDatabase(t);
  await db.query('CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int)');
  await t.rejects(install({ databaseUrl: db.url, schema: 'billing', rolePrefix: uniquePrefix() }), { constructor: InstallError, code: 'FOREIGN_SCHEMA' });
});
