// One source, four ways to the same database: the CLI (`install`), the bundle (`psql -f`),
// CREATE EXTENSION, and CREATE EXTENSION of an earlier release followed by ALTER EXTENSION UPDATE
// step by step. Their normalised schema dumps (test/packaging/schema-dump.ts says what that
// removes) must be equal, and the pgTAP suite must pass on each.
//
// No release exists yet, so the earlier releases are synthetic: 0.0.1 and 0.0.2 are the first
// migrations of src/sql, recorded in a manifest the way `npm run release` records a real one.
// The extension files, the upgrade scripts included, come from the same build code as dist/.
// An extension install makes no range partition (they would be members of the extension, which
// pg_dump does not dump as tables): its first ensure_partitions() does, as maintenance would, so
// each extension database here runs it once after CREATE EXTENSION or UPDATE. Events written
// under 0.0.1 (whose log is partitioned but has no ensure_partitions yet) land in the default
// partition and keep their range there (docs/partitions.md), so that database is not compared.
//
// make test runs the whole pgTAP suite on the fresh CREATE EXTENSION install and a few files on
// the updated extension and the bundle install (the CLI install runs it in test/pgtap.test.ts);
// PG_EVENTLOG_PACKAGING_FULL=1 (make test-packaging) runs the whole suite on all four.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { buildBundle, install } from '../../src/install/index.ts';
import { extensionMigrations } from '../../src/install/extension.ts';
import { defaultMigrationsDir } from '../../src/install/migrations.ts';
import { extensionCluster, pgtapSuite, psqlOn, syntheticManifest, withDb } from './lib.ts';
import { normalisedSchema } from './schema-dump.ts';

t.test('the CLI, the bundle, CREATE EXTENSION and an updated extension converge', async (t) => {
  const full = process.env.PG_EVENTLOG_PACKAGING_FULL === '1';
  const total = (await extensionMigrations(defaultMigrationsDir)).length;
  const first = total - 6;
  const second = total - 3;
  const manifest = await syntheticManifest([{ version: '0.0.1', count: first }, { version: '0.0.2', count: second }]);
  const ext = await extensionCluster(t, { manifest, packageVersion: '0.1.0' });

  await t.test('the build has the upgrade path 0.0.1 -> 0.0.2 -> 0.1.0', async (t) => {
    t.equal(ext.build.defaultVersion, '0.1.0');
    t.same([...ext.build.files.keys()].sort(), [
      'pg_eventlog--0.0.1--0.0.2.sql', 'pg_eventlog--0.0.1.sql', 'pg_eventlog--0.0.2--0.1.0.sql',
      'pg_eventlog--0.0.2.sql', 'pg_eventlog--0.1.0.sql', 'pg_eventlog.control',
    ]);
  });

  const cli = await ext.database();
  const bundle = await ext.database();
  const created = await ext.database();
  const upgraded = await ext.database();
  const upgradedWithEvents = await ext.database();
  const maintain = (c: import('pg').Client) => c.query('SELECT count(*) FROM eventlog.ensure_partitions()');

  await t.test('each delivery installs', async (t) => {
    await install({ databaseUrl: cli });

    const dir = await mkdtemp(path.join(tmpdir(), 'pgel-conv-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    await writeFile(path.join(dir, 'b.sql'), await buildBundle(defaultMigrationsDir, '0.1.0'));
    const r = await psqlOn(bundle, ['-q', '-f', path.join(dir, 'b.sql')]);
    t.equal(r.code, 0, `psql -f the bundle ${r.stderr}`);

    await withDb(created, async (c) => {
      await c.query('CREATE EXTENSION pg_eventlog');
      await maintain(c);
    });
    t.same(await withDb(created, async (c) => (await c.query("SELECT extversion FROM pg_extension WHERE extname = 'pg_eventlog'")).rows), [{ extversion: '0.1.0' }]);

    for (const url of [upgraded, upgradedWithEvents]) {
      await withDb(url, async (c) => {
        await c.query("CREATE EXTENSION pg_eventlog VERSION '0.0.1'");
        t.equal((await c.query("SELECT count(*)::int AS n FROM pg_catalog.pg_class WHERE relnamespace = 'eventlog'::regnamespace")).rows[0].n > 0, true, '0.0.1 created the schema');
        // Data written under 0.0.1 must survive both updates.
        if (url === upgradedWithEvents) await c.query(`SELECT eventlog.log_event('[{"n": 1}, {"n": 2}]', 'before-update', 'stream-1')`);
        await c.query("ALTER EXTENSION pg_eventlog UPDATE TO '0.0.2'");
        t.same((await c.query("SELECT extversion FROM pg_extension WHERE extname = 'pg_eventlog'")).rows, [{ extversion: '0.0.2' }], 'updated to 0.0.2');
        await c.query('ALTER EXTENSION pg_eventlog UPDATE');
        t.same((await c.query("SELECT extversion FROM pg_extension WHERE extname = 'pg_eventlog'")).rows, [{ extversion: '0.1.0' }], 'then to the default version');
        await maintain(c);
        if (url === upgradedWithEvents) {
          const { rows } = await c.query("SELECT payload->>'n' AS n, stream, version, tableoid::regclass::text AS part FROM eventlog.events WHERE event_type = 'before-update' ORDER BY etag");
          t.same(rows, [{ n: '1', stream: 'stream-1', version: 1, part: 'eventlog.events_default' }, { n: '2', stream: 'stream-1', version: 2, part: 'eventlog.events_default' }],
            'events written before the updates are still there, in the default partition');
          await c.query(`SELECT eventlog.log_event('{"n": 3}', 'after-update', 'stream-1')`);
          t.same((await c.query("SELECT version FROM eventlog.events WHERE event_type = 'after-update'")).rows, [{ version: 3 }], 'and the stream continues');
        }
      });
    }
  });

  await t.test('the four installs have the same schema', async (t) => {
    const reference = await normalisedSchema(cli);
    t.ok(reference.length > 100, `the CLI install's dump has ${reference.length} entries`);
    t.ok(reference.some((e) => e.includes('CREATE TABLE eventlog.events')), 'among them the log');
    for (const [name, url] of [['psql -f dist/pg-eventlog.sql', bundle], ['CREATE EXTENSION', created], ['CREATE EXTENSION 0.0.1, then UPDATE twice', upgraded]] as const) {
      const dump = await normalisedSchema(url);
      const missing = reference.filter((e) => !dump.includes(e));
      const extra = dump.filter((e) => !reference.includes(e));
      t.same({ missing, extra }, { missing: [], extra: [] }, `${name}: same normalised schema as the CLI install`);
    }
  });

  await t.test('an updated extension has the same configuration tables for pg_dump as a fresh one', async (t) => {
    const config = (url: string) => withDb(url, async (c) => (await c.query(
      "SELECT pg_catalog.unnest(extconfig)::regclass::text AS rel FROM pg_catalog.pg_extension WHERE extname = 'pg_eventlog' ORDER BY 1")).rows);
    const fresh = await config(created);
    t.ok(fresh.some((r) => r.rel === 'eventlog.events') && fresh.some((r) => r.rel === 'eventlog.events_etag_seq'), 'events and its sequence are dumped');
    t.same(fresh.filter((r) => /^eventlog\.events_\d+$/.test(r.rel)), [], 'no range partition: they are ordinary tables, dumped with their rows');
    t.same(await config(upgraded), fresh);
    t.same(await config(upgradedWithEvents), fresh, 'also when events were written before the updates');
  });

  await t.test('pgTAP suite on CREATE EXTENSION', (t) => pgtapSuite(t, created));

  const smoke = ['test/pgtap/policy/functions-are-commented-pinned-and-not-public.test.sql', 'test/pgtap/policy/roles-can-do-their-jobs.test.sql'];
  await t.test(`pgTAP ${full ? 'suite' : 'smoke'} on the updated extension`, (t) => pgtapSuite(t, upgraded, full ? undefined : smoke));
  await t.test(`pgTAP ${full ? 'suite' : 'smoke'} on the bundle install`, (t) => pgtapSuite(t, bundle, full ? undefined : smoke));
  if (full) await t.test('pgTAP suite on the CLI install', (t) => pgtapSuite(t, cli));
});
