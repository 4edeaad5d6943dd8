// A throwaway cluster that keeps what it acknowledges, for the crash tests: the provider's
// throwaway clusters run with fsync = off and synchronous_commit = off (scripts/lib/database.ts),
// which is right for every other test and wrong for these. This one runs with fsync = on,
// synchronous_commit = on and full_page_writes = on, as a production server does, and can be
// crashed two ways: `pg_ctl stop -m immediate` (SIGQUIT to the postmaster, no shutdown
// checkpoint) and SIGKILL of the postmaster and every backend at once (what the OOM killer or a
// power cut of the container does to the processes). Same data directory and port across
// restarts; removed by stop(), and also when the test process exits or is interrupted.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { $, fs, os, path } from 'zx';
import {
  asPostgres,
  findPostgresBindir,
  freePort,
  onExit,
  postgresOwner,
  waitForPostgres,
} from '../../../scripts/lib/database.ts';
import { sleep } from '../../lib/wait.ts';

const sh = $({ quiet: true, verbose: false });

export type CrashMode = 'immediate' | 'sigkill';

export interface DurableCluster {
  /** Superuser URL of the maintenance database. */
  url: string;
  port: number;
  dataDir: string;
  /** The server's log file. */
  logFile: string;
  /** Crashes the server (no shutdown checkpoint, no flush of WAL buffers); resolves when no server process is left. */
  crash(mode: CrashMode): Promise<void>;
  /** Starts it again (crash recovery runs); resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** initdb and start a durable throwaway cluster; `settings` are appended to postgresql.conf. */
export async function startDurableCluster(settings: string[] = []): Promise<DurableCluster> {
  const bindir = await findPostgresBindir();
  if (!bindir) throw new Error('The crash tests need the local PostgreSQL server binaries (initdb, pg_ctl).');
  const owner = await postgresOwner();
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'pg-eventlog-durable-'));
  await fs.writeFile(path.join(home, 'owner'), String(process.pid));
  if (owner) await fs.chown(home, owner.uid, owner.gid);
  await fs.chmod(home, 0o700);
  const dataDir = path.join(home, 'data');
  const logFile = path.join(home, 'postgres.log');
  const port = await freePort();
  const pgCtl = (args: string[]) => {
    const [cmd, argv] = asPostgres(path.join(bindir, 'pg_ctl'), args);
    return sh({ cwd: home, nothrow: true })`${cmd} ${argv}`;
  };
  let stopped = false;
  const stopSync = () => {
    const [cmd, argv] = asPostgres(path.join(bindir, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', '-t', '60', 'stop']);
    spawnSync(cmd, argv, { cwd: home, stdio: 'ignore' });
    rmSync(home, { recursive: true, force: true });
  };
  const unregister = onExit(stopSync, async () => {
    await pgCtl(['-D', dataDir, '-m', 'immediate', '-w', '-t', '60', 'stop']);
    rmSync(home, { recursive: true, force: true });
  });

  const [initdb, initArgs] = asPostgres(path.join(bindir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C']);
  await sh({ cwd: home })`${initdb} ${initArgs}`;
  await fs.appendFile(path.join(dataDir, 'postgresql.conf'), '\n' + [
    '# written by test/reliability/lib/durable-cluster.ts: durable, as in production',
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${home.replace(/'/g, "''")}'`,
    'fsync = on',
    'synchronous_commit = on',
    'full_page_writes = on',
    'max_connections = 60',
    // The WAL writer flushes asynchronous commits (cursor moves under synchronous_cursors = off)
    // every wal_writer_delay; ten seconds instead of 0.2 widens the window in which a crash loses
    // them, so that the tests can tell on from off. Synchronous commits are not affected.
    'wal_writer_delay = 10000ms',
    ...settings,
  ].join('\n') + '\n');

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const start = async () => {
    const r = await pgCtl(['-D', dataDir, '-l', logFile, '-w', '-t', '120', 'start']);
    if (r.exitCode !== 0) {
      const tail = (await fs.readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join(' | ');
      throw new Error(`PostgreSQL did not start in ${dataDir}: ${tail || r.stderr.trim()}`);
    }
    await waitForPostgres(url);
  };

  const crash = async (mode: CrashMode) => {
    const postmaster = Number((await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    if (mode === 'immediate') {
      const r = await pgCtl(['-D', dataDir, '-m', 'immediate', '-w', '-t', '60', 'stop']);
      if (r.exitCode !== 0) throw new Error(`pg_ctl stop -m immediate failed: ${r.stderr.trim()}`);
    } else {
      // Every server process at once, postmaster included: nothing gets to clean up.
      const children = (await sh({ nothrow: true })`pgrep -P ${postmaster}`).stdout.split('\n').map(Number).filter(Boolean);
      for (const pid of [postmaster, ...children]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      const all = [postmaster, ...children];
      const deadline = Date.now() + 30_000;
      while (all.some(isAlive)) {
        if (Date.now() > deadline) throw new Error(`server processes ${all.filter(isAlive).join(', ')} survived SIGKILL for 30 s`);
        await sleep(20);
      }
    }
  };

  await start();
  return {
    url,
    port,
    dataDir,
    logFile,
    crash,
    start,
    async stop() {
      if (stopped) return;
      stopped = true;
      unregister();
      await pgCtl(['-D', dataDir, '-m', 'immediate', '-w', '-t', '60', 'stop']);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
