// pg_dump of a database that uses CREATE EXTENSION pg_eventlog, restored into a fresh cluster as
// docs/install.md says (pg_restore's three sections with the two generated scripts between
// them), keeps events, cursors, streams, snapshots, idempotency keys, tracked tables and the etag
// sequence; the log's triggers and DDL guard are back afterwards; appends continue after the
// restored events, and a named client and a tracked table carry on where they were. The source
// has set its partition size, so its events are in range partitions made by ensure_partitions
// (ordinary tables, dumped with their rows); the size itself is the extension's function and comes
// back as the default until the documented statement sets it again.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { createDatabase, pgEnv } from '../../scripts/lib/database.ts';
import { run } from '../lib/db.ts';
import { extensionCluster, psqlOn, withDb } from './lib.ts';

const STATE = {
  events: 'SELECT etag, tx_order, event_type, stream, version, payload, metadata FROM eventlog.events ORDER BY etag',
  streams: 'SELECT * FROM eventlog.streams ORDER BY stream',
  cursors: 'SELECT client, members, member, tx_order, etag FROM eventlog.client_cursors ORDER BY 1, 2, 3',
  snapshots: 'SELECT stream, version, state FROM eventlog.snapshots ORDER BY 1, 2',
  idempotency: 'SELECT idempotency_key, stream, first_version, last_version FROM eventlog.idempotency_keys ORDER BY 1',
  tracked: 'SELECT tbl::text, stream_prefix, key_columns, revision_column FROM eventlog.tracked_tables ORDER BY 1',
  accounts: 'SELECT * FROM public.accounts ORDER BY id',
};

t.test('dump and restore of a database with the extension, into a fresh cluster', async (t) => {
  const ext = await extensionCluster(t);
  const source = await ext.database();
  await withDb(source, async (c) => {
    await c.query('CREATE EXTENSION pg_eventlog');
    await c.query('SELECT eventlog.set_partition_size(1000)');
    await c.query(`SELECT eventlog.log_event('[{"n": 1}, {"n": 2}]', 'counted', 'counter-1')`);
    await c.query(`SELECT eventlog.append_to_stream('cart-1', '[{"type": "opened", "payload": {"a": 1}}]', 0, 'key-1')`);
    await c.query(`SELECT eventlog.save_snapshot('cart-1', 1, '{"open": true}')`);
    await c.query('CREATE TABLE public.accounts (id int PRIMARY KEY, owner text NOT NULL)');
    await c.query(`SELECT eventlog.track_table('public.accounts')`);
    await c.query(`INSERT INTO public.accounts (id, owner) VALUES (1, 'ann'), (2, 'bob')`);
    // The client has read the first two events (committed), so it is positioned mid-log.
    const read = await c.query(`SELECT payload FROM eventlog.get_event('worker', 2)`);
    t.same(read.rows.map((r) => r.payload.n), [1, 2], 'the client read the first two events before the dump');
    // Push this cluster's transaction ids well past where a fresh cluster starts.
    for (let i = 0; i < 1500; i++) await c.query('SELECT pg_current_xact_id()');
  });
  const before = await withDb(source, async (c) => Object.fromEntries(
    await Promise.all(Object.entries(STATE).map(async ([k, q]) => [k, (await c.query(q)).rows] as const))));
  t.ok(before.events.length >= 5 && before.cursors.length === 1 && before.tracked.length === 1, 'the source has events, a cursor and a tracked table');
  const partitionsOf = (url: string) => withDb(url, async (c) => (await c.query(
    `SELECT e.tableoid::regclass::text AS part, count(*)::int AS n FROM eventlog.events AS e GROUP BY 1 ORDER BY 1`)).rows);
  const partitioned = await partitionsOf(source);
  t.same(partitioned, [{ part: 'eventlog.events_0000000000000000000', n: before.events.length }], 'all of them in the first range partition, an ordinary table');

  const dumpFile = `/tmp/pgel-ext-dump-${process.pid}.dump`;
  t.teardown(() => rm(dumpFile, { force: true }));
  const dump = await run('pg_dump', ['-Fc', '-f', dumpFile, source], { ...process.env, ...pgEnv(source) });
  t.equal(dump.code, 0, `pg_dump ${dump.stderr}`);

  await t.test('the before-data script refuses a database that has events, changing nothing', async (t) => {
    const r = await psqlOn(source, ['-q', '-f', path.join(ext.distDir, 'pg_eventlog-restore-before-data.sql')]);
    t.not(r.code, 0, 'psql fails');
    t.match(r.stderr, /already has events; this script prepares a fresh restore only/);
    await withDb(source, async (c) => {
      t.same((await c.query(`SELECT count(*)::int AS n FROM pg_catalog.pg_trigger WHERE tgrelid = 'eventlog.events'::regclass AND tgenabled <> 'A' AND NOT tgisinternal`)).rows, [{ n: 0 }], 'the triggers are still on');
      t.same((await c.query(STATE.events)).rows, before.events, 'the events are untouched');
    });
  });

  const fresh = await ext.another();
  const restore = (args: string[], url: string, env: Record<string, string> = {}) =>
    run('pg_restore', ['--exit-on-error', '-d', url, ...args, dumpFile], { ...process.env, ...pgEnv(url), ...env });
  // The range partitions are attached in pre-data and get their guard triggers in post-data; the
  // DDL guard refuses a partition without them, so both sections run with the guard off (an event
  // trigger fires only in origin mode), as docs/install.md says.
  const replica = { PGOPTIONS: '-c session_replication_role=replica' };
  // Attaching a range partition in pre-data already gave it the log's primary key and log order
  // index (the log, an extension member, has them from CREATE EXTENSION); post-data would add them
  // again (42P16 "multiple primary keys"), so the restore leaves those entries out by a list.
  const listFile = `${dumpFile}.list`;
  t.teardown(() => rm(listFile, { force: true }));
  const list = await run('pg_restore', ['-l', dumpFile], process.env);
  t.equal(list.code, 0, `pg_restore -l ${list.stderr}`);
  // The grep -Ev of docs/install.md#dump-and-restore-with-the-extension.
  const inherited = / (CONSTRAINT|INDEX|INDEX ATTACH) eventlog (events_[0-9]{19} )?events_[0-9]{19}_(pkey|tx_order_etag_idx) /;
  const kept = list.stdout.split('\n').filter((l) => !inherited.test(l));
  const ranges = await withDb(source, async (c) => (await c.query(
    "SELECT count(*)::int AS n FROM pg_catalog.pg_inherits WHERE inhparent = 'eventlog.events'::regclass AND inhrelid <> 'eventlog.events_default'::regclass")).rows[0].n);
  t.equal(list.stdout.split('\n').length - kept.length, 4 * ranges, `the list leaves out the primary key and log order index of each of the ${ranges} range partitions, and their attachments`);
  await writeFile(listFile, kept.join('\n'));

  await t.test('a plain pg_restore cannot bring the events back: why the procedure exists', async (t) => {
    const url = await createDatabase(fresh.url);
    const r = await restore([], url);
    t.not(r.code, 0, 'pg_restore fails');
    t.match(r.stderr, /duplicate key value violates unique constraint "clock_pkey"|etag \d+ was given|would leave partition\(s\) eventlog\.events_\d+ \(_100_refuse_truncate, _100_refuse_update_delete\) of eventlog\.events without those trigger/,
      'on the clock row, on an event bringing its etag, or on a range partition attached before its guards');
  });

  const target = await createDatabase(fresh.url);
  const steps: [string, () => ReturnType<typeof run>][] = [
    ['pg_restore --section=pre-data', () => restore(['--section=pre-data'], target, replica)],
    ['psql -f pg_eventlog-restore-before-data.sql', () => psqlOn(target, ['-q', '-f', path.join(ext.distDir, 'pg_eventlog-restore-before-data.sql')])],
    ['pg_restore --section=data', () => restore(['--section=data'], target)],
    ['psql -f pg_eventlog-restore-after-data.sql', () => psqlOn(target, ['-q', '-f', path.join(ext.distDir, 'pg_eventlog-restore-after-data.sql')])],
    ['pg_restore --section=post-data', () => restore(['--section=post-data', '-L', listFile], target, replica)],
  ];
  for (const [name, step] of steps) {
    const r = await step();
    t.equal(r.code, 0, `${name} ${r.stderr}`);
  }

  t.same(await partitionsOf(target), partitioned, 'the events are back in their range partition');
  await withDb(target, async (c) => {
    t.same((await c.query('SELECT eventlog._partition_size() AS s')).rows, [{ s: '10000000' }],
      'the partition size is the extension\'s default again: pg_dump does not dump a member function (docs/install.md)');
    // The statement docs/install.md#dump-and-restore-with-the-extension gives for that.
    await c.query('CREATE OR REPLACE FUNCTION eventlog._partition_size() RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN 1000::pg_catalog.int8');
    for (const [k, q] of Object.entries(STATE)) t.same((await c.query(q)).rows, before[k], `${k}: restored as they were`);
    const triggers = await c.query(`SELECT tgname, tgenabled FROM pg_catalog.pg_trigger WHERE tgrelid = 'eventlog.events'::regclass AND NOT tgisinternal ORDER BY 1`);
    t.ok(triggers.rows.length >= 4, 'the log has its triggers');
    t.same(triggers.rows.filter((r) => r.tgenabled !== 'A'), [], 'all of them ENABLE ALWAYS again');
    t.same((await c.query(`SELECT evtenabled FROM pg_catalog.pg_event_trigger WHERE evtname = 'eventlog_guard'`)).rows, [{ evtenabled: 'O' }], 'the DDL guard is on again');
    t.same((await c.query(`SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pg_eventlog'`)).rows, [{ extversion: ext.build.defaultVersion }], 'still an extension install');

    await c.query(`INSERT INTO eventlog.events (stream, payload) VALUES ('counter-1', '{"n": 3}')`);
    const maxBefore = Math.max(...before.events.map((e: { etag: string }) => Number(e.etag)));
    const next = await c.query(`SELECT etag, version, payload FROM eventlog.get_event('worker', 100)`);
    t.same(next.rows.map((r) => r.payload.n ?? r.payload.a ?? r.payload.id ?? 'change'), [...before.events.slice(2).map((e: { payload: Record<string, unknown> }) => e.payload.n ?? e.payload.a ?? e.payload.id ?? 'change'), 3],
      'the client resumes after its two events: the rest of the restored log, then the new event');
    const added = next.rows.at(-1);
    t.ok(Number(added.etag) > maxBefore, `the new event's etag ${added.etag} comes after the restored ones (sequence restored)`);
    t.equal(added.version, 3, 'and continues its stream\'s versions');
    t.same((await c.query('SELECT tableoid::regclass::text AS part FROM eventlog.events WHERE etag = $1', [added.etag])).rows, [{ part: 'eventlog.events_0000000000000000000' }],
      'in the restored range partition');
    await c.query(`UPDATE public.accounts SET owner = 'cat' WHERE id = 1`);
    const change = await c.query(`SELECT stream, payload FROM eventlog.events WHERE stream LIKE 'public.accounts:%' ORDER BY etag DESC LIMIT 1`);
    t.equal(change.rows[0]?.stream, 'public.accounts:1', 'the tracked table still logs its changes');
  });
});
