// --schema and --role-prefix: the same migrations, renamed, in a schema and roles of the user's choice.
import t from 'tap';
import { rewriteSql } from '../../src/install/index.ts';
import { cli, freshDatabase } from '../lib/db.ts';

t.test('install --schema other: other.version() answers, grants go to other_* roles, no eventlog schema', async (t) => {
  const db = await freshDatabase(t);
  const r = await cli(['install', '--database-url', db.url, '--schema', 'other'], db.env);
  t.equal(r.code, 0, `exit 0 (${r.stderr.trim()})`);
  t.match(r.stdout, /^installed pg-eventlog \S+ into schema other \(\d+ migrations applied\)\n$/, 'says what it did');

  const [v] = await db.query<{ v: string }>('SELECT other.version() AS v');
  t.match(v.v, /^\d+\.\d+\.\d+/, 'other.version() answers');
  t.same(await db.query("SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = 'eventlog'"), [], 'no eventlog schema');
  const [ids] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM other.migrations');
  t.ok(ids.n >= 4, 'bookkeeping in other.migrations');
  const [priv] = await db.query<{ reader: boolean; writer: boolean; admin: boolean }>(
    `SELECT pg_catalog.has_schema_privilege('other_reader', 'other', 'USAGE') AS reader,
            pg_catalog.has_schema_privilege('other_writer', 'other', 'USAGE') AS writer,
            pg_catalog.has_schema_privilege('other_admin', 'other', 'USAGE') AS admin`,
  );
  t.same(priv, { reader: true, writer: true, admin: true }, 'the three other_* roles may use the schema');
  const [exec] = await db.query<{ e: boolean }>("SELECT pg_catalog.has_function_privilege('other_reader', 'other.version()', 'EXECUTE') AS e");
  t.equal(exec.e, true, 'other_reader may call other.version()');

  const again = await cli(['install', '--database-url', db.url, '--schema', 'other'], db.env);
  t.match(again.stdout, /already installed in schema other; nothing to do/, 'second install is a no-op');
  const s = await cli(['status', '--database-url', db.url, '--schema', 'other', '--json'], db.env);
  const parsed = JSON.parse(s.stdout);
  t.equal(parsed.installed, true);
  t.same(parsed.pending, [], 'status with the same names: nothing pending');
});

t.test('--role-prefix names the roles independently of the schema', async (t) => {
  const db = await freshDatabase(t);
  const r = await cli(['install', '--database-url', db.url, '--schema', 'events_b', '--role-prefix', 'elb'], db.env);
  t.equal(r.code, 0, r.stderr);
  const roles = await db.query<{ rolname: string }>("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname LIKE 'elb\\_%' ORDER BY 1");
  t.same(roles.map((x) => x.rolname), ['elb_admin', 'elb_reader', 'elb_writer']);
  const [u] = await db.query<{ ok: boolean }>("SELECT pg_catalog.has_schema_privilege('elb_writer', 'events_b', 'USAGE') AS ok");
  t.equal(u.ok, true);
  const un = await cli(['uninstall', '--database-url', db.url, '--schema', 'events_b', '--role-prefix', 'elb'], db.env);
  t.equal(un.code, 0, un.stderr);
  t.same(await db.query("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname LIKE 'elb\\_%'"), [], 'uninstall dropped them');
});

t.test('bad names are refused with one clear line before anything is touched', async (t) => {
  const db = await freshDatabase(t);
  for (const [flag, value, pattern] of [
    ['--schema', 'Bad-Name', /^pg-eventlog: error: invalid schema name "Bad-Name"/],
    ['--schema', 'x'.repeat(64), /^pg-eventlog: error: invalid schema name/],
    ['--schema', 'public', /^pg-eventlog: error: schema name "public" is reserved/],
    ['--schema', 'pg_log', /^pg-eventlog: error: schema name "pg_log" is reserved/],
    ['--role-prefix', '1abc', /^pg-eventlog: error: invalid role prefix "1abc"/],
  ] as const) {
    const r = await cli(['install', '--database-url', db.url, flag, value], db.env);
    t.equal(r.code, 1, `${flag} ${value.slice(0, 10)}: exit 1`);
    t.match(r.stderr, pattern, 'says why');
    t.equal(r.stderr.trim().split('\n').length, 1, 'in one line');
  }
  t.same(await db.query("SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1"), [{ nspname: 'public' }], 'nothing created');
});

t.test('rewriteSql renames whole words only', async (t) => {
  const names = { schema: 'other', rolePrefix: 'app' };
  t.equal(
    rewriteSql("CREATE SCHEMA eventlog; GRANT USAGE ON SCHEMA eventlog TO eventlog_reader, eventlog_admin;", names),
    'CREATE SCHEMA other; GRANT USAGE ON SCHEMA other TO app_reader, app_admin;',
  );
  t.equal(rewriteSql("SELECT eventlog.version(); -- pg-eventlog", names), 'SELECT other.version(); -- pg-eventlog', 'product name kept');
  t.equal(rewriteSql('eventlog_test.reset() pg_eventlog eventlog_writer_x myeventlog "eventlog"', names), 'eventlog_test.reset() pg_eventlog eventlog_writer_x myeventlog "other"');
  const sql = 'CREATE SCHEMA eventlog;';
  t.equal(rewriteSql(sql, { schema: 'eventlog', rolePrefix: 'eventlog' }), sql, 'defaults: unchanged');
});
