// pg_upgrade into a new cluster (a new system identifier): events appended after the upgrade
// (by plain INSERT and by log_event) come after the old ones, the log clock moves to the new cluster, and a reader continuing from
// its last etag misses nothing. Uses the local server binaries, with 15 → 15 standing in for a
// major upgrade (pg_upgrade's steps are the same).
//
// pg_upgrade carries the transaction ids and their epoch over, so on its own it leaves the new
// cluster's ids ahead of every log position, and the order and resume assertions would hold
// without the clock logic. To make them mean something, the old cluster runs at epoch 5 and the
// new one is set back to epoch 0 after the upgrade (pg_resetwal -e; PostgreSQL stores the epoch
// nowhere else, so the data is unaffected): the new cluster's 64-bit ids are then about 5 * 2^32
// behind the old positions, as after a restore into a fresh cluster. Without the clock moving,
// new events would sort before the old ones and the resumed reader would see nothing.
import { mkdtemp, rm, chown } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import t from 'tap';
import { $ } from 'zx';
import { databaseUrl, findPostgresBindir, freePort, withClient } from '../../scripts/lib/database.ts';
import { install } from '../../src/install/index.ts';

const asRoot = process.getuid?.() === 0;
const sh = $({ quiet: true, verbose: false });
const OLD_EPOCH = 5;

t.test('order, resume points and the clock survive pg_upgrade', async (t) => {
  const bindir = await findPostgresBindir();
  t.ok(bindir, 'local PostgreSQL server binaries are needed for pg_upgrade');
  if (!bindir) return;
  const home = await mkdtemp(path.join(os.tmpdir(), 'pgel-upgrade-'));
  // PostgreSQL refuses to run as root: the clusters belong to the postgres user.
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
  await pgBin('pg_resetwal', ['-e', String(OLD_EPOCH), oldData]);
  const oldPort = await freePort();
  await start(oldData, oldPort);
  const oldUrl = `postgres://postgres@127.0.0.1:${oldPort}/postgres`;
  await withClient(oldUrl, (c) => c.query('CREATE DATABASE app'));
  const oldApp = databaseUrl(oldUrl, 'app');
  await install({ databaseUrl: oldApp });
  const before = await withClient(oldApp, async (c) => {
    await c.query(`SELECT eventlog.log_event('[{"n": 1}, {"n": 2}, {"n": 3}]')`);
    await c.query(`SELECT eventlog.log_event('{"n": 4}')`);
    const read = (await c.query<{ etag: string }>('SELECT etag FROM eventlog.get_event(0, 2)')).rows;
    const sysid = (await c.query<{ s: string }>('SELECT system_identifier::text AS s FROM eventlog.clock')).rows[0].s;
    const first = (await c.query<{ p: string }>('SELECT min(tx_order)::text AS p FROM eventlog.events')).rows[0].p;
    return { resumeAfter: read[1].etag, sysid, firstPosition: BigInt(first) };
  });
  await stop(oldData);
  t.ok(before.firstPosition >= BigInt(OLD_EPOCH) << 32n, `the old cluster wrote at epoch ${OLD_EPOCH} (first position ${before.firstPosition})`);

  await pgBin('initdb', ['-D', newData, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  const newPort = await freePort();
  const upgrade = await pgBin('pg_upgrade', ['-b', bindir, '-B', bindir, '-d', oldData, '-D', newData,
    '-p', String(await freePort()), '-P', String(newPort), '-s', home, '-U', 'postgres']).nothrow();
  t.equal(upgrade.exitCode, 0, upgrade.exitCode === 0 ? 'pg_upgrade succeeds' : `pg_upgrade fails: ${upgrade.stdout.slice(-1000)}${upgrade.stderr}`);
  await pgBin('pg_resetwal', ['-e', '0', newData]);
  await start(newData, newPort);

  const newApp = `postgres://postgres@127.0.0.1:${newPort}/app`;
  const client = new pg.Client({ connectionString: newApp });
  await client.connect();
  t.teardown(() => client.end());
  const { rows: [ids] } = await client.query<{ now: string }>('SELECT (pg_control_system()).system_identifier::text AS now');
  t.not(ids.now, before.sysid, 'the upgraded cluster has a new system identifier');
  const { rows: [next] } = await client.query<{ xid: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xid');
  t.ok(BigInt(next.xid) < before.firstPosition,
    `the new cluster's transaction ids (next ${next.xid}) are behind every old position, so the order below depends on the clock`);

  const payloads = async (sql: string, params: unknown[] = []) =>
    (await client.query<{ payload: { n: number } }>(sql, params)).rows.map((r) => r.payload.n);
  t.same(await payloads('SELECT payload FROM eventlog.get_event($1, 10)', [before.resumeAfter]), [3, 4],
    'before any append, a resumed reader gets the rest of the old events');
  // The first append after the upgrade is a plain INSERT by a writer (no superuser rights), the
  // second one a log_event call.
  await client.query('SET ROLE eventlog_writer');
  await client.query(`INSERT INTO eventlog.events (payload) VALUES ('{"n": 5}')`);
  await client.query('RESET ROLE');
  t.same(await payloads('SELECT payload FROM eventlog.get_event($1, 10)', [before.resumeAfter]), [3, 4, 5],
    'resuming after the last etag seen misses nothing, and the new event comes last');
  const { rows: [clock] } = await client.query<{ moved: boolean }>(
    'SELECT system_identifier = (pg_control_system()).system_identifier AS moved FROM eventlog.clock');
  t.equal(clock.moved, true, 'the first append moved the log clock to the new cluster');
  await client.query(`SELECT eventlog.log_event('{"n": 6}')`);
  t.same(await payloads('SELECT payload FROM eventlog.get_event($1, 10)', [before.resumeAfter]), [3, 4, 5, 6],
    'a log_event append after it comes after it');
});
