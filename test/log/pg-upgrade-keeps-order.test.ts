// pg_upgrade into a new cluster (a new system identifier; transaction ids carried over): events
// appended after the upgrade come after the old ones, the log clock moves to the new cluster, and
// a reader continuing from its last etag misses nothing. Uses the local server binaries, with
// 15 → 15 standing in for a major upgrade (pg_upgrade's steps are the same).
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
    return { resumeAfter: read[1].etag, sysid };
  });
  await stop(oldData);

  await pgBin('initdb', ['-D', newData, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  const newPort = await freePort();
  const upgrade = await pgBin('pg_upgrade', ['-b', bindir, '-B', bindir, '-d', oldData, '-D', newData,
    '-p', String(await freePort()), '-P', String(newPort), '-s', home, '-U', 'postgres']).nothrow();
  t.equal(upgrade.exitCode, 0, upgrade.exitCode === 0 ? 'pg_upgrade succeeds' : `pg_upgrade fails: ${upgrade.stdout.slice(-1000)}${upgrade.stderr}`);
  await start(newData, newPort);

  const newApp = `postgres://postgres@127.0.0.1:${newPort}/app`;
  const client = new pg.Client({ connectionString: newApp });
  await client.connect();
  t.teardown(() => client.end());
  const { rows: [ids] } = await client.query<{ now: string }>('SELECT (pg_control_system()).system_identifier::text AS now');
  t.not(ids.now, before.sysid, 'the upgraded cluster has a new system identifier');

  const payloads = async (sql: string, params: unknown[] = []) =>
    (await client.query<{ payload: { n: number } }>(sql, params)).rows.map((r) => r.payload.n);
  t.same(await payloads('SELECT payload FROM eventlog.get_event($1, 10)', [before.resumeAfter]), [3, 4],
    'before any append, a resumed reader gets the rest of the old events');
  await client.query(`SELECT eventlog.log_event('{"n": 5}')`);
  t.same(await payloads('SELECT payload FROM eventlog.get_event($1, 10)', [before.resumeAfter]), [3, 4, 5],
    'resuming after the last etag seen misses nothing, and the new event comes last');
  const { rows: [clock] } = await client.query<{ moved: boolean }>(
    'SELECT system_identifier = (pg_control_system()).system_identifier AS moved FROM eventlog.clock');
  t.equal(clock.moved, true, 'the first append moved the log clock to the new cluster');
});
