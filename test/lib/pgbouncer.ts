// PgBouncer in transaction pooling mode on a free loopback port, in front of a PostgreSQL server
// (Debian's `pgbouncer` package; .ci/run installs it). Started in the foreground as a child of the
// test (as the postgres user when we are root: PgBouncer refuses to run as root), with a config
// and auth file in a temp directory; killed and removed at teardown and when the process exits.
// A missing binary is an error, never a skip: the tests that use this prove what docs/push.md
// says about poolers.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chmod, chown, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, onExit, postgresOwner } from '../../scripts/lib/database.ts';
import type { TestLike } from './db.ts';
import { waitFor } from './wait.ts';

export interface PgBouncer {
  port: number;
  /** `databaseUrl` (a URL of the server behind it) with PgBouncer's host and port. */
  urlOf(databaseUrl: string): string;
  /** Rows of the admin console's SHOW POOLS for `database` (cl_active, cl_waiting, sv_active, sv_idle, …). */
  pools(database: string): Promise<Record<string, string>[]>;
  /** PgBouncer's log so far. */
  log(): Promise<string>;
}

export function findPgBouncer(): string {
  for (const dir of [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/usr/local/sbin', '/usr/bin']) {
    const bin = path.join(dir, 'pgbouncer');
    if (existsSync(bin)) return bin;
  }
  throw new Error('pgbouncer is not installed (not on PATH, nor in /usr/sbin): install it (Debian: apt-get install pgbouncer; .ci/run does) — these tests prove the PgBouncer path of docs/push.md and do not skip');
}

/**
 * Starts PgBouncer (pool_mode = transaction, `poolSize` server connections per database and user)
 * in front of the server of `serverUrl`, letting in `users` (trust: the server behind it checks nothing
 * either on loopback in the throwaway clusters). Stopped at `t`'s teardown.
 */
export async function startPgBouncer(t: TestLike, serverUrl: string, { users, poolSize = 2 }: { users: string[]; poolSize?: number }): Promise<PgBouncer> {
  const bin = findPgBouncer();
  const server = new URL(serverUrl);
  const home = await mkdtemp(path.join(os.tmpdir(), 'pg-eventlog-pgbouncer-'));
  const port = await freePort();
  const ini = path.join(home, 'pgbouncer.ini');
  const logFile = path.join(home, 'pgbouncer.log');
  const admin = decodeURIComponent(server.username) || 'postgres';
  await writeFile(path.join(home, 'users.txt'), [...new Set([admin, ...users])].map((u) => `"${u}" ""\n`).join(''));
  await writeFile(ini, [
    '[databases]',
    `* = host=${server.hostname} port=${server.port || 5432}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = trust',
    `auth_file = ${path.join(home, 'users.txt')}`,
    `admin_users = ${admin}`,
    'pool_mode = transaction',
    `default_pool_size = ${poolSize}`,
    'min_pool_size = 0',
    'reserve_pool_size = 0',
    'max_client_conn = 200',
    'server_reset_query =',
    'ignore_startup_parameters = extra_float_digits',
    `logfile = ${logFile}`,
    'log_connections = 0',
    'log_disconnections = 1',
    '',
  ].join('\n'));
  const owner = await postgresOwner();
  if (owner) await chown(home, owner.uid, owner.gid);
  await chmod(home, 0o700);
  if (owner) for (const f of ['users.txt', 'pgbouncer.ini']) await chown(path.join(home, f), owner.uid, owner.gid);

  // As root: pgbouncer -u postgres (it drops to that user itself, so the child is pgbouncer and
  // a signal to it reaches it, with no runuser in between).
  const child = spawn(bin, owner ? ['-u', 'postgres', ini] : [ini], { cwd: home, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let exited = false;
  const gone = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  let removed = false;
  const stopSync = () => {
    if (removed) return;
    removed = true;
    if (!exited) child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  };
  const stop = async () => {
    if (removed) return;
    removed = true;
    if (!exited) child.kill('SIGINT'); // PgBouncer: SIGINT = safe shutdown, SIGTERM = immediate
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    if (!exited) child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  };
  const cancelExitHook = onExit(stopSync, stop);
  t.teardown(async () => {
    cancelExitHook();
    await stop();
  });

  const urlOf = (databaseUrl: string) => {
    const u = new URL(databaseUrl);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    return u.toString();
  };
  const adminUrl = (() => {
    const u = new URL(urlOf(serverUrl));
    u.pathname = '/pgbouncer';
    u.password = '';
    return u.toString();
  })();
  const withAdmin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: adminUrl });
    c.on('error', () => {});
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end().catch(() => {});
    }
  };
  await waitFor('PgBouncer to accept connections', async () => {
    if (exited) throw new Error(`pgbouncer exited at start: ${stderr.trim() || (await readFile(logFile, 'utf8').catch(() => ''))}`);
    return withAdmin(async (c) => (await c.query('SHOW VERSION')).rows.length > 0).catch(() => false);
  }, { timeoutMs: 15_000, intervalMs: 50 });

  return {
    port,
    urlOf,
    pools: (database) => withAdmin(async (c) => (await c.query('SHOW POOLS')).rows.filter((r) => r.database === database)),
    log: () => readFile(logFile, 'utf8').catch(() => ''),
  };
}

/**
 * A server that is slow to connect to: a TCP proxy on a free loopback port in front of
 * `serverUrl`'s host and port that holds every new connection for `delayMs` before it passes
 * anything through (as a remote or busy server would). Returns `serverUrl` with the proxy's host
 * and port; closed at `t`'s teardown. Give it to startPgBouncer to make the pooler's server
 * logins, and the connections it opens to forward cancel requests, take that long.
 */
export async function slowToConnect(t: TestLike, serverUrl: string, delayMs: number): Promise<string> {
  const target = new URL(serverUrl);
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    setTimeout(() => {
      if (client.destroyed) return;
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      track(upstream);
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    }, delayMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  t.teardown(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const u = new URL(serverUrl);
  u.hostname = '127.0.0.1';
  u.port = String((server.address() as net.AddressInfo).port);
  return u.toString();
}
