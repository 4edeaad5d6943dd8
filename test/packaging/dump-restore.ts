// For the dump-and-restore tests of both installs (extension-dump-restore, cli-dump-restore): a
// source log with something in every table pg-eventlog keeps, pg_dump of it in the custom and the
// plain format, a plain pg_restore and a psql -f into fresh databases of another cluster, and the
// checks that everything came back and the log carries on (docs/install.md#dump-and-restore).
import { rm } from 'node:fs/promises';
import type pg from 'pg';
import type { Test } from 'tap';
import { createDatabase, pgEnv } from '../../scripts/lib/database.ts';
import { run } from '../lib/db.ts';
import { psqlOn, withDb } from './lib.ts';

/** What must come back as it was, each compared whole. */
export const STATE: Record<string, string> = {
  events: 'SELECT etag, tx_order, ctime, event_type, stream, version, payload, metadata, tableoid::regclass::text AS part FROM eventlog.events ORDER BY etag',
  log: 'SELECT etag FROM eventlog.get_event(0, 10000)',
  sequence: 'SELECT last_value, is_called FROM eventlog.events_etag_seq',
  streams: 'SELECT * FROM eventlog.streams ORDER BY stream',
  client_cursors: 'SELECT * FROM eventlog.client_cursors ORDER BY client, members, member',
  change_cursors: 'SELECT client, tbl::text, tx_order, etag, owner_role FROM eventlog.change_cursors ORDER BY 1, 2',
  snapshots: 'SELECT * FROM eventlog.snapshots ORDER BY stream, version',
  idempotency_keys: 'SELECT * FROM eventlog.idempotency_keys ORDER BY idempotency_key',
  tracked_tables: 'SELECT tbl::text, stream_prefix, key_columns, revision_column, tracked_by FROM eventlog.tracked_tables ORDER BY 1',
  removed_positions: 'SELECT * FROM eventlog.removed_positions ORDER BY first_etag',
  compaction_progress: 'SELECT * FROM eventlog.compaction_progress',
  partition_ranges: 'SELECT * FROM eventlog.partition_ranges ORDER BY from_etag',
  partition_size: 'SELECT s.partition_size, eventlog._partition_size() AS function FROM eventlog.partition_settings AS s',
  partitions: `SELECT c.relname::text AS part, pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS bound
               FROM pg_catalog.pg_inherits AS i JOIN pg_catalog.pg_class AS c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'eventlog.events'::regclass ORDER BY 1`,
  accounts: 'SELECT * FROM public.accounts ORDER BY id',
};

type State = Record<string, Record<string, unknown>[]>;

export const stateOf = (url: string): Promise<State> => withDb(url, async (c) => {
  const out: State = {};
  for (const [k, q] of Object.entries(STATE)) out[k] = (await c.query(q)).rows;
  return out;
});

/**
 * Writes into an installed log (a superuser's connection): first this cluster's transaction ids
 * are pushed far past where a fresh one starts, so that positions after the restore need the
 * moved clock; then a partition size, events in two range partitions and in the default
 * partition, a stream with an idempotency key and a snapshot, a tracked table with a superseded
 * revision compacted away, a forget, a named client and a change client each partway, and the
 * passed ranges recorded.
 */
export async function fillSource(c: pg.Client): Promise<void> {
  for (let i = 0; i < 1500; i++) await c.query('SELECT pg_current_xact_id()');
  await c.query('SELECT eventlog.set_partition_size(1000)');
  await c.query(`SELECT eventlog.log_event('[{"n": 1}, {"n": 2}]', 'counted', 'counter-1')`);
  await c.query(`SELECT eventlog.append_to_stream('cart-1', '[{"type": "opened", "payload": {"a": 1, "email": "x@example.com"}}, {"type": "added", "payload": {"a": 2}}]', 0, 'key-1')`);
  await c.query(`SELECT eventlog.save_snapshot('cart-1', 2, '{"open": true}')`);
  await c.query('CREATE TABLE public.accounts (id int PRIMARY KEY, owner text NOT NULL)');
  await c.query(`SELECT eventlog.track_table('public.accounts')`);
  await c.query(`INSERT INTO public.accounts (id, owner) VALUES (1, 'ann'), (2, 'bob')`);
  await c.query(`UPDATE public.accounts SET owner = 'bea' WHERE id = 2`);
  await c.query(`SELECT * FROM eventlog.forget('cart-1', ARRAY['email'])`);
  await c.query(`SELECT * FROM eventlog.compact(interval '0')`);
  await c.query(`SELECT count(*) FROM eventlog.get_event('worker', 2)`);
  await c.query(`SELECT count(*) FROM eventlog.get_changes('public.accounts', 'sync', 1)`);
  // Into the second range partition, then into the default one (no range partition at 5000).
  await c.query(`SELECT pg_catalog.setval('eventlog.events_etag_seq', 1500)`);
  await c.query(`SELECT eventlog.log_event('{"n": 3}', 'counted', 'counter-1')`);
  await c.query(`SELECT pg_catalog.setval('eventlog.events_etag_seq', 5000)`);
  await c.query(`SELECT eventlog.log_event('{"n": 4}', 'counted', 'counter-1')`);
  await c.query('SET client_min_messages = warning'); // the NOTICE that range 5000 stays in the default partition
  await c.query('SELECT count(*) FROM eventlog.ensure_partitions()');
}

/** Checks that the source has what fillSource meant it to have, so that the restore checks mean something. */
export function checkSource(t: Test, before: State): void {
  const parts = new Set(before.events.map((e) => e.part));
  t.ok(parts.has('eventlog.events_0000000000000000000') && parts.has('eventlog.events_0000000000000001000') && parts.has('eventlog.events_default'),
    `the source's events are in two range partitions and the default one (${[...parts].join(', ')})`);
  for (const k of ['streams', 'client_cursors', 'change_cursors', 'snapshots', 'idempotency_keys', 'tracked_tables', 'removed_positions', 'partition_ranges']) {
    t.ok(before[k].length > 0, `the source has ${k}`);
  }
  t.same(before.partition_size, [{ partition_size: '1000', function: '1000' }], 'a partition size of 1000');
  t.ok(before.events.some((e) => e.event_type === 'log_compacted') && before.events.some((e) => e.event_type === 'stream_forgotten'),
    'compaction and forget records');
}

/** pg_dump of `source` in the custom and the plain format; both removed at teardown. */
export async function dumpBoth(t: Test, source: string): Promise<{ custom: string; plain: string }> {
  const base = `/tmp/pgel-dump-restore-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const files = { custom: `${base}.dump`, plain: `${base}.sql` };
  t.teardown(() => Promise.all([rm(files.custom, { force: true }), rm(files.plain, { force: true })]));
  const env = { ...process.env, ...pgEnv(source) };
  const custom = await run('pg_dump', ['-Fc', '-f', files.custom, source], env);
  t.equal(custom.code, 0, `pg_dump -Fc ${custom.stderr}`);
  const plain = await run('pg_dump', ['-f', files.plain, source], env);
  t.equal(plain.code, 0, `pg_dump (plain) ${plain.stderr}`);
  return files;
}

/**
 * A plain `pg_restore -d` of the custom dump and a `psql -f` of the plain one, each into a new
 * database of the cluster at `adminUrl`, as its superuser; asserts both succeed and returns the two
 * databases' URLs.
 */
export async function restoreBoth(t: Test, adminUrl: string, dumps: { custom: string; plain: string }): Promise<{ name: string; url: string }[]> {
  const viaRestore = await createDatabase(adminUrl);
  const r = await run('pg_restore', ['--exit-on-error', '-d', viaRestore, dumps.custom], { ...process.env, ...pgEnv(viaRestore) });
  t.equal(r.code, 0, `pg_restore -d (nothing else) succeeds ${r.stderr}`);
  const viaPsql = await createDatabase(adminUrl);
  const p = await psqlOn(viaPsql, ['-q', '-o', '/dev/null', '-f', dumps.plain]);
  t.equal(p.code, 0, `psql -f of the plain dump succeeds ${p.stderr}`);
  return [{ name: 'pg_restore', url: viaRestore }, { name: 'psql -f', url: viaPsql }];
}

/** Everything came back, the guards are on, and the log, its clients and the tracked table carry on. */
export async function checkRestored(t: Test, url: string, before: State): Promise<void> {
  const after = await stateOf(url);
  for (const k of Object.keys(STATE)) t.same(after[k], before[k], `${k}: restored as they were`);
  await withDb(url, async (c) => {
    const guards = await c.query(
      `SELECT r.relname::text AS rel, pg_catalog.count(tg.*)::int AS n FROM pg_catalog.pg_class AS r
       LEFT JOIN pg_catalog.pg_trigger AS tg ON tg.tgrelid = r.oid AND tg.tgenabled = 'A'
         AND tg.tgname IN ('_100_refuse_update_delete', '_100_refuse_truncate', '_100_check_append', '_200_assign_stream_version')
       WHERE r.oid = 'eventlog.events'::regclass OR r.oid IN (SELECT i.inhrelid FROM pg_catalog.pg_inherits AS i WHERE i.inhparent = 'eventlog.events'::regclass)
       GROUP BY 1 HAVING pg_catalog.count(tg.*) <> 4`);
    t.same(guards.rows, [], 'the log and every partition have their four guard triggers, ENABLE ALWAYS');
    t.same((await c.query(
      `SELECT i.inhrelid::regclass::text AS part FROM pg_catalog.pg_inherits AS i WHERE i.inhparent = 'eventlog.events'::regclass
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint AS k WHERE k.conrelid = i.inhrelid AND k.contype = 'p')`)).rows, [],
    'every partition has its primary key');
    t.same((await c.query(`SELECT tgrelid::regclass::text AS rel FROM pg_catalog.pg_trigger WHERE tgname = '_100_restore' AND tgenabled = 'A' ORDER BY 1`)).rows.map((r) => r.rel),
      ['eventlog.clock', 'eventlog.compaction_progress', 'eventlog.partition_settings'], 'the one-row tables have their restore triggers');
    t.same((await c.query(`SELECT evtname::text, evtenabled FROM pg_catalog.pg_event_trigger ORDER BY 1`)).rows,
      [{ evtname: 'eventlog_guard', evtenabled: 'O' }, { evtname: 'eventlog_guard_drop', evtenabled: 'O' }], 'the DDL guards are there and enabled');
    const refused = await c.query('ALTER TABLE eventlog.events DISABLE TRIGGER _100_check_append').then(() => null, (e: pg.DatabaseError) => e.code);
    t.equal(refused, 'EL003', 'and active: disabling the append check is refused');
    const given = await c.query(`INSERT INTO eventlog.events (etag, tx_order, payload) VALUES (999, 1, '{}')`).then(() => null, (e: pg.DatabaseError) => e.code);
    t.equal(given, '428C9', 'outside the restore a given etag is refused again');

    const maxTx = Math.max(...before.events.map((e) => Number(e.tx_order)));
    const maxEtag = Math.max(...before.events.map((e) => Number(e.etag)));
    const xid = Number((await c.query('SELECT pg_catalog.txid_current() AS x')).rows[0].x);
    t.ok(xid < maxTx, `this cluster's transaction ids (${xid}) are behind the restored positions (up to ${maxTx}): the clock must move`);
    const added = (await c.query(`INSERT INTO eventlog.events (stream, payload) VALUES ('counter-1', '{"n": 5}') RETURNING etag, tx_order, version`)).rows[0];
    t.ok(Number(added.etag) > maxEtag, `a new event's etag ${added.etag} comes after the restored ones (the sequence came back)`);
    t.ok(Number(added.tx_order) > maxTx, `and its position ${added.tx_order} after every restored one (the clock moved)`);
    t.equal(added.version, Math.max(...before.events.filter((e) => e.stream === 'counter-1').map((e) => Number(e.version))) + 1, 'and it continues its stream\'s versions');
    t.same((await c.query('SELECT etag FROM eventlog.get_event(0, 10000)')).rows, [...before.log, { etag: added.etag }],
      'get_event from 0 returns every restored event in order, then the new one');

    const worker = before.client_cursors.find((r) => r.client === 'worker')!;
    const resumed = (await c.query(`SELECT etag FROM eventlog.get_event('worker', 10000)`)).rows.map((r) => r.etag);
    const logEtags = before.log.map((r) => r.etag);
    t.same(resumed, [...logEtags.slice(logEtags.indexOf(worker.etag) + 1), added.etag], 'the named client resumes after its restored position');

    await c.query(`UPDATE public.accounts SET owner = 'cat' WHERE id = 1`);
    const change = (await c.query(`SELECT etag, version, payload FROM eventlog.events WHERE stream = 'public.accounts:1' ORDER BY etag DESC LIMIT 1`)).rows[0];
    const lastRevision = Math.max(...before.events.filter((e) => e.stream === 'public.accounts:1').map((e) => Number(e.version)));
    t.same([change.version, change.payload], [lastRevision + 1, { id: 1, owner: 'cat', revision: lastRevision + 1 }], 'the tracked table logs its changes, and its revisions continue');
    const changes = (await c.query(`SELECT etag FROM eventlog.get_changes('public.accounts', 'sync', 10000)`)).rows.map((r) => r.etag);
    t.equal(changes.at(-1), change.etag, 'the change client reads on to the new change');

    t.equal((await c.query('SELECT eventlog.set_partition_size(1000) AS s')).rows[0].s, '1000', 'set_partition_size knows its size (events in range partitions fix it)');
    await c.query('SET client_min_messages = warning');
    await c.query('SELECT count(*) FROM eventlog.ensure_partitions()');
    t.ok(Number((await c.query('SELECT count(*) AS n FROM eventlog.partition_ranges')).rows[0].n) >= before.partition_ranges.length, 'maintenance goes on');
  });
}
