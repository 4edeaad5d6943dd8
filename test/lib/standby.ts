// A streaming hot standby of a local throwaway cluster (provideCluster({ provider: 'local' })):
// pg_basebackup -R from the running primary into a temp directory, started with hot_standby on a
// free loopback port, as the postgres user when we are root. The provider's clusters already
// have wal_level = logical, max_wal_senders = 10 and initdb's `host replication all 127.0.0.1/32
// trust`. Stopped and removed at teardown, and when the process exits or is interrupted; a directory left behind
// by a killed process is swept by the next provideCluster (same `pg-eventlog-XXXXXX` + owner file).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chown, chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { asPostgres, createDatabase, findPostgresBindir, freePort, onExit, postgresOwner, provideCluster, quoteIdent, waitForPostgres, withClient } from '../../scripts/lib/database.ts';
import { install } from '../../src/install/index.ts';
import type { TestLike } from './db.ts';

export interface Standby {
  /** URL of the standby's `postgres` database. */
  url: string;
  /** `primaryDatabaseUrl` with the standby's host and port: the same database, read on the standby. */
  urlOf(primaryDatabaseUrl: string): string;
  /**
   * Waits until the standby has replayed all WAL the primary has flushed (its
   * pg_current_wal_flush_lsn() now). Commits made with synchronous_commit = off may not be
   * flushed yet; make the commits you wait for synchronous.
   */
  catchUp(timeoutMs?: number): Promise<void>;
}

const sh = $({ quiet: true, verbose: false });

/** Starts a hot standby of the local cluster at `primaryUrl`; removed at `t`'s teardown. */
export async function startStandby(t: TestLike, primaryUrl: string): Promise<Standby> {
  const bindir = await findPostgresBindir();
  if (!bindir) throw new Error('A standby needs the local PostgreSQL server binaries (pg_basebackup, pg_ctl).');
  const home = await mkdtemp(path.join(os.tmpdir(), 'pg-eventlog-'));
  await writeFile(path.join(home, 'owner'), String(process.pid));
  // PostgreSQL refuses to run as root: the standby belongs to the postgres user.
  const owner = await postgresOwner();
  if (owner) await chown(home, owner.uid, owner.gid);
  await chmod(home, 0o700);
  const dataDir = path.join(home, 'data');
  const logFile = path.join(home, 'postgres.log');
  const pgBin = (name: string, args: string[]) => {
    const [cmd, rest] = asPostgres(path.join(bindir, name), args);
    return sh({ cwd: home, nothrow: true })`${cmd} ${rest}`;
  };

  const stopArgs = ['-D', dataDir, '-m', 'immediate', '-w', '-t', '60', 'stop'];
  let removed = false;
  const stopSync = () => {
    if (removed) return;
    removed = true;
    const [cmd, rest] = asPostgres(path.join(bindir, 'pg_ctl'), stopArgs);
    spawnSync(cmd, rest, { cwd: home, stdio: 'ignore' });
    rmSync(home, { recursive: true, force: true });
  };
  const stop = async () => {
    if (removed) return;
    removed = true;
    await pgBin('pg_ctl', stopArgs);
    rmSync(home, { recursive: true, force: true });
  };
  // At teardown; and when the process exits or is interrupted before that.
  const cancelExitHook = onExit(stopSync, stop);
  t.teardown(async () => {
    cancelExitHook();
    await stop();
  });

  const primary = new URL(primaryUrl);
  const backup = await pgBin('pg_basebackup', [
    '-D', dataDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync',
    '-h', primary.hostname, '-p', primary.port, '-U', decodeURIComponent(primary.username) || 'postgres',
  ]);
  if (backup.exitCode !== 0) throw new Error(`pg_basebackup failed: ${backup.stderr.trim()}`);

  // The copied postgresql.conf names the primary's socket directory; the port comes from -o.
  const port = await freePort();
  const start = await pgBin('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60',
    '-o', `-p ${port} -k ${home} -c listen_addresses=127.0.0.1 -c hot_standby=on`, 'start']);
  if (start.exitCode !== 0) {
    const tail = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-3).join(' | ');
    throw new Error(`the standby did not start: ${tail || start.stderr.trim()}`);
  }
  const urlOf = (databaseUrl: string) => {
    const u = new URL(databaseUrl);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    return u.toString();
  };
  const url = urlOf(primaryUrl);
  await waitForPostgres(url);
  const [{ inRecovery }] = (await withClient(url, (c) => c.query<{ inRecovery: boolean }>('SELECT pg_is_in_recovery() AS "inRecovery"'))).rows;
  if (!inRecovery) throw new Error('the standby is not in recovery');

  return {
    url,
    urlOf,
    async catchUp(timeoutMs = 5000) {
      const target = await withClient(primaryUrl, async (c) =>
        (await c.query<{ lsn: string }>('SELECT pg_current_wal_flush_lsn()::text AS lsn')).rows[0].lsn);
      await withClient(url, async (c) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const { rows: [r] } = await c.query<{ done: boolean; at: string | null }>(
            'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done, pg_last_wal_replay_lsn()::text AS at', [target]);
          if (r.done) return;
          if (Date.now() > deadline) throw new Error(`the standby replayed up to ${r.at} only, not ${target}, within ${timeoutMs} ms`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      });
    },
  };
}

export interface PrimaryWithStandby {
  /** URL of the primary's `postgres` database. */
  primaryUrl: string;
  /** A fresh database on the primary, with pg-eventlog installed. */
  dbUrl: string;
  standby: Standby;
  /** `dbUrl` on the standby: the same database, read there. */
  standbyDbUrl: string;
}

/**
 * What every standby test starts from: a local throwaway primary of its own (pg_basebackup needs
 * one), a fresh database there with pg-eventlog installed and `synchronous_commit = on` (the
 * throwaway cluster commits asynchronously, and `catchUp()` waits for flushed WAL only, so the
 * commits a test waits for must be flushed), and a hot standby of it that has replayed the
 * install. Both are stopped at `t`'s teardown.
 */
export async function primaryWithStandby(t: TestLike): Promise<PrimaryWithStandby> {
  const primary = await provideCluster({ provider: 'local' });
  t.teardown(() => primary.stop());
  const dbUrl = await createDatabase(primary.url);
  await install({ databaseUrl: dbUrl });
  const dbName = decodeURIComponent(new URL(dbUrl).pathname.slice(1));
  await withClient(primary.url, (c) => c.query(`ALTER DATABASE ${quoteIdent(dbName)} SET synchronous_commit = on`));
  const standby = await startStandby(t, primary.url);
  await standby.catchUp();
  return { primaryUrl: primary.url, dbUrl, standby, standbyDbUrl: standby.urlOf(dbUrl) };
}
