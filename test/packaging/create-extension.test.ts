// CREATE EXTENSION pg_eventlog on its own (no pg_dump needed, so make test-matrix runs it on every
// major): it installs the log with its roles and DDL guard, refuses a schema eventlog that is not
// its own and another schema, is left alone by the CLI, updates from an earlier (synthetic)
// release, and DROP EXTENSION removes the schema and the event trigger but leaves the roles. Range
// partitions of the log are never members of the extension (pg_dump must dump them as tables),
// and set_partition_size, detach_partitions and reattach_partitions work on an extension install.
import t from 'tap';
import { extensionMigrations } from '../../src/install/extension.ts';
import { install, uninstall } from '../../src/install/index.ts';
import { defaultMigrationsDir } from '../../src/install/migrations.ts';
import { waitFor } from '../lib/wait.ts';
import { extensionCluster, pgtapSuite, syntheticManifest, withDb } from './lib.ts';

const SMOKE = [
  'test/pgtap/policy/functions-are-commented-pinned-and-not-public.test.sql',
  'test/pgtap/policy/roles-can-do-their-jobs.test.sql',
  'test/pgtap/log_event/appends-an-array-in-order.test.sql',
];

t.test('CREATE EXTENSION pg_eventlog', async (t) => {
  const total = (await extensionMigrations(defaultMigrationsDir)).length;
  const ext = await extensionCluster(t, { manifest: await syntheticManifest([{ version: '0.0.1', count: total - 4 }]), packageVersion: '0.1.0' });
  const version = (c: import('pg').Client) => c.query("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pg_eventlog'").then((r) => r.rows);

  await t.test('installs the log, its roles and its DDL guard; the pgTAP smoke passes', async (t) => {
    const url = await ext.database();
    await withDb(url, async (c) => {
      await c.query('CREATE EXTENSION pg_eventlog');
      t.same(await version(c), [{ extversion: '0.1.0' }]);
      t.same((await c.query("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname LIKE 'eventlog\\_%' ORDER BY 1")).rows.map((r) => r.rolname),
        ['eventlog_admin', 'eventlog_reader', 'eventlog_writer'], 'the three roles exist');
      t.same((await c.query("SELECT evtname FROM pg_catalog.pg_event_trigger ORDER BY 1")).rows, [{ evtname: 'eventlog_guard' }, { evtname: 'eventlog_guard_drop' }], 'the DDL guards are there');
      const [e] = (await c.query(`SELECT etag, version FROM eventlog.log_event('{"a": 1}', 'created', 'order-1')`)).rows;
      t.same([e.etag, e.version], ['1', 1], 'log_event appends');
      t.same((await c.query('SELECT eventlog.version() AS v')).rows, [{ v: '0.1.0' }]);
      t.same((await c.query("SELECT to_regclass('eventlog.migrations') AS m, to_regclass('eventlog.installed_objects') AS i")).rows, [{ m: null, i: null }],
        'no CLI bookkeeping: pg_extension records the install');
    });
    await t.test('the CLI leaves an extension install alone', async (t) => {
      await t.rejects(install({ databaseUrl: url }), { code: 'FOREIGN_SCHEMA', message: /schema eventlog already exists and is not a pg-eventlog install/ }, 'install refuses');
      await t.rejects(uninstall({ databaseUrl: url }), { code: 'FOREIGN_SCHEMA' }, 'uninstall refuses');
      await withDb(url, async (c) => {
        t.same(await version(c), [{ extversion: '0.1.0' }], 'the extension is untouched');
        t.same((await c.query("SELECT to_regclass('eventlog.migrations') AS m")).rows, [{ m: null }], 'and no bookkeeping was added');
      });
    });
    await t.test('CREATE EXTENSION … SCHEMA elsewhere is refused', async (t) => {
      const other = await ext.database();
      await withDb(other, async (c) => {
        await c.query('CREATE SCHEMA app');
        await t.rejects(c.query('CREATE EXTENSION pg_eventlog SCHEMA app'), { message: /must be installed in schema "pg_catalog"/ });
      });
    });
    await t.test('pgTAP smoke', (t) => pgtapSuite(t, url, SMOKE));
  });

  await t.test('refuses a schema eventlog that is not its own, changing nothing', async (t) => {
    const url = await ext.database();
    await withDb(url, async (c) => {
      await c.query('CREATE SCHEMA eventlog; CREATE TABLE eventlog.mine (x int)');
      await t.rejects(c.query('CREATE EXTENSION pg_eventlog'), { message: /schema eventlog is not a member of extension "pg_eventlog"|schema "eventlog" already exists/ });
      t.same((await c.query("SELECT count(*)::int AS n FROM pg_catalog.pg_extension WHERE extname = 'pg_eventlog'")).rows, [{ n: 0 }], 'no extension');
      t.same((await c.query("SELECT relname FROM pg_catalog.pg_class WHERE relnamespace = 'eventlog'::regnamespace")).rows, [{ relname: 'mine' }], 'the schema holds only its table');
    });
  });

  await t.test('range partitions stay out of the extension; set_partition_size, detach and reattach work', async (t) => {
    const url = await ext.database();
    await withDb(url, async (c) => {
      const members = async () => (await c.query(`
        SELECT i.inhrelid::regclass::text AS rel,
               EXISTS (SELECT FROM pg_catalog.pg_depend AS d WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = i.inhrelid AND d.deptype = 'e') AS member,
               i.inhrelid = ANY (x.extconfig) AS config
        FROM pg_catalog.pg_inherits AS i CROSS JOIN pg_catalog.pg_extension AS x
        WHERE i.inhparent = 'eventlog.events'::regclass AND x.extname = 'pg_eventlog' ORDER BY 1`)).rows;
      await c.query('CREATE EXTENSION pg_eventlog');
      t.same(await members(), [{ rel: 'eventlog.events_default', member: true, config: true }],
        'CREATE EXTENSION makes only the default partition, a member whose rows pg_dump keeps');
      t.equal((await c.query('SELECT * FROM eventlog.ensure_partitions()')).rowCount, 3, 'the first ensure_partitions() makes the range partitions');
      // An install made before this rule had its first range partitions in the extension; the
      // release in set_partition_size is what lets it drop them (else: "cannot drop table
      // eventlog.events_0000000000000000000 because extension pg_eventlog requires it").
      await c.query('ALTER EXTENSION pg_eventlog ADD TABLE eventlog.events_0000000000000000000');
      t.same((await c.query('SELECT eventlog.set_partition_size(100) AS s')).rows, [{ s: '100' }], 'set_partition_size drops a member partition too');
      t.same(await members(), [
        { rel: 'eventlog.events_0000000000000000000', member: false, config: false },
        { rel: 'eventlog.events_0000000000000000100', member: false, config: false },
        { rel: 'eventlog.events_0000000000000000200', member: false, config: false },
        { rel: 'eventlog.events_default', member: true, config: true },
      ], 'and the partitions it makes are ordinary tables, not in the extension nor its configuration');

      await c.query(`SELECT count(*) FROM eventlog.log_event((SELECT jsonb_agg(jsonb_build_object('n', g)) FROM generate_series(1, 150) AS g))`);
      await waitFor('maintenance to close the range below 100', async () => {
        await c.query('SELECT count(*) FROM eventlog.ensure_partitions()');
        return (await c.query(`SELECT 1 FROM eventlog.partition_ranges WHERE from_etag = 0 AND max_tx_order_so_far IS NOT NULL`)).rowCount === 1;
      }, { timeoutMs: 30_000, intervalMs: 50 });
      const held = (await c.query('SELECT count(*)::int AS n FROM eventlog.events_0000000000000000000')).rows[0].n;
      t.ok(held > 0, `the first range partition holds ${held} events`);
      t.same((await c.query('SELECT partition_name FROM eventlog.detach_partitions(100)')).rows, [{ partition_name: 'events_0000000000000000000' }], 'detach_partitions archives it');
      t.equal((await c.query('SELECT count(*)::int AS n FROM eventlog.events')).rows[0].n, 150 - held, 'the log no longer holds its events');
      t.same((await c.query('SELECT partition_name FROM eventlog.reattach_partitions()')).rows, [{ partition_name: 'events_0000000000000000000' }], 'reattach_partitions brings it back');
      t.equal((await c.query('SELECT count(*)::int AS n FROM eventlog.events')).rows[0].n, 150, 'with every event');
      t.equal((await members()).filter((r) => r.member).length, 1, 'still only the default partition is a member');
    });
  });

  await t.test('updates from 0.0.1 and keeps the events; DROP EXTENSION drops schema and guard, keeps the roles', async (t) => {
    const url = await ext.database();
    await withDb(url, async (c) => {
      await c.query("CREATE EXTENSION pg_eventlog VERSION '0.0.1'");
      await c.query(`SELECT eventlog.log_event('{"a": 1}', 'created', 'order-1')`);
      await c.query('ALTER EXTENSION pg_eventlog UPDATE');
      t.same(await version(c), [{ extversion: '0.1.0' }], 'updated to the default version');
      t.same((await c.query("SELECT stream, version FROM eventlog.events")).rows, [{ stream: 'order-1', version: 1 }], 'the event written under 0.0.1 is there');
      t.ok((await c.query("SELECT 1 FROM pg_catalog.pg_class WHERE oid = to_regclass('eventlog.change_cursors')")).rowCount === 1, 'the newer migrations ran');
      await c.query('DROP EXTENSION pg_eventlog');
      t.same((await c.query("SELECT count(*)::int AS n FROM pg_catalog.pg_namespace WHERE nspname = 'eventlog'")).rows, [{ n: 0 }], 'schema eventlog is gone');
      t.same((await c.query('SELECT count(*)::int AS n FROM pg_catalog.pg_event_trigger')).rows, [{ n: 0 }], 'so is the event trigger');
      t.equal((await c.query("SELECT count(*)::int AS n FROM pg_catalog.pg_roles WHERE rolname LIKE 'eventlog\\_%'")).rows[0].n, 3, 'the roles stay (cluster-wide; drop them yourself)');
    });
  });
});
