// pg_upgrade, as in pg-upgrade-keeps-order.test.ts, for the INSERT and COPY paths: after the
// upgrade, the first append is a writer's plain INSERT continuing a stream written before it,
// then a writer's COPY. Both land after every old event, the stream's versions stay dense, the
// clock moves to the new cluster and _clock_offset() is written for its server start. As there,
// the old cluster runs at epoch 5 and the new one is set back to epoch 0 after the upgrade
// (pg_resetwal -e), so that the new transaction ids are behind the old positions and the order
// depends on the clock, not on pg_upgrade carrying the ids over.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import t from 'tap';
import { $ } from 'zx';
import { asPostgres, databaseUrl, findPostgresBindir, freePort, onExit, postgresOwner, withClient } from '../../scripts/lib/database.ts';
import { install } from '../../src/install/index.ts';
import { copyFromStdin, psqlScript } from '../lib/copy.ts';
import { loginRole } from '../lib/login.ts';

const sh = $({ quiet: true, verbose: false });
const OLD_EPOCH = 5;

t.test('INSERT and COPY after pg_upgrade land after the old events, with dense stream versions', async (t) => {
  const bindir = await findPostgresBindir();
  if (!bindir) throw new Error('pg_upgrade needs the local PostgreSQL server binaries');
  const home = await mkdtemp(path.join(os.tmpdir(), 'pgel-upgrade-'));
  const owner = await postgresOwner();
  if (owner) await chown(home, owner.uid, owner.gid);
  const pgBin = (name: string, args: string[]) => {
    const [cmd, rest] = asPostgres(path.join(bindir, name), args);
    return sh({ cwd: home })`${cmd} ${rest}`;
  };
  const oldData = path.join(home, 'old');
  const newData = path.join(home, 'new');
  const started: string[] = [];
  // At teardown; and when the process exits or is interrupted before that.
  const cancelExitHook = onExit(() => {
    for (const dir of started) {
      const [cmd, rest] = asPostgres(path.join(bindir, 'pg_ctl'), ['-D', dir, '-m', 'immediate', '-w', 'stop']);
      spawnSync(cmd, rest, { stdio: 'ignore' });
    }
    rmSync(home, { recursive: true, force: true });
  });
  t.teardown(async () => {
    cancelExitHook();
    for (const dir of started) await pgBin('pg_ctl', ['-D', dir, '-m', 'immediate', '-w', 'stop']).nothrow();
    await rm(home, { recursive: true, force: true });
  });
  const start = async (dir: string, port: number) => {
    await pgBin('pg_ctl', ['-D', dir, '-w', '-l', path.join(home, `${path.basename(dir)}.log`), '-o', `-p ${port} -k ${home} -c listen_addresses=127.0.0.1`, 'start']);
    started.push(dir);
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
    await c.query(`INSERT INTO eventlog.events (stream, payload) VALUES ('order-1', '{"n": 1}'), ('order-1', '{"n": 2}')`);
    await c.query(`SELECT eventlog.log_event('{"n": 3}')`);
    const read = (await c.query<{ etag: string }>('SELECT etag FROM eventlog.get_event(0, 2)')).rows;
    const max = (await c.query<{ p: string }>('SELECT max(tx_order)::text AS p FROM eventlog.events')).rows[0].p;
    return { resumeAfter: read[1].etag, maxPosition: BigInt(max) };
  });
  await pgBin('pg_ctl', ['-D', oldData, '-m', 'fast', '-w', 'stop']);
  started.splice(started.indexOf(oldData), 1);

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
  const { rows: [next] } = await client.query<{ xid: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xid');
  t.ok(BigInt(next.xid) < before.maxPosition, `the new cluster's transaction ids (next ${next.xid}) are behind the old positions (${before.maxPosition})`);

  const writer = await loginRole(t, newApp, ['eventlog_writer']);
  const app = await writer.connect();
  const { rows: [inserted] } = await app.query<{ tx_order: string; version: number }>(
    `INSERT INTO eventlog.events (stream, payload) VALUES ('order-1', '{"n": 4}') RETURNING tx_order::text, version`);
  t.ok(BigInt(inserted.tx_order) > before.maxPosition, `a writer's plain INSERT, the first append, lands after every old event (${inserted.tx_order})`);
  t.equal(inserted.version, 3, 'and continues the old stream with the next version');
  const { rows: [clock] } = await client.query<{ here: boolean; names_start: boolean }>(
    `SELECT system_identifier = (pg_control_system()).system_identifier AS here,
            pg_get_functiondef('eventlog._clock_offset()'::regprocedure) LIKE '%' || pg_postmaster_start_time()::text || '%' AS names_start
     FROM eventlog.clock`);
  t.same(clock, { here: true, names_start: true }, 'the INSERT moved the clock to the new cluster and wrote _clock_offset() for its start');

  const copied = await psqlScript(writer.env, copyFromStdin('eventlog.events (stream, payload)', [['order-1', '{"n": 5}'], [null, '{"n": 6}']]));
  t.equal(copied.code, 0, `a writer's COPY succeeds ${copied.stderr}`);

  const { rows: resumed } = await client.query<{ payload: { n: number }; version: number | null }>(
    'SELECT payload, version FROM eventlog.get_event($1::bigint, 10)', [before.resumeAfter]);
  t.same(resumed.map((r) => r.payload.n), [3, 4, 5, 6], 'resuming after the last etag seen misses nothing, and the new events come last');
  const { rows: stream } = await client.query<{ version: number }>(`SELECT version FROM eventlog.events WHERE stream = 'order-1' ORDER BY version`);
  t.same(stream.map((r) => r.version), [1, 2, 3, 4], 'order-1 has versions 1..4 across the upgrade, INSERT and COPY');
});
