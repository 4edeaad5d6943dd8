// The one place that decides which PostgreSQL the scripts and tests use.
//
//   1. DATABASE_URL, when set: used as it is, never started or stopped.
//   2. Docker, when `docker info` answers: a container built from Dockerfile.pgtap.
//   3. Local PostgreSQL binaries: a cluster made with initdb in a temp directory, on a free
//      loopback port, run as the `postgres` user when we are root. PG_EVENTLOG_PG_BIN (or the
//      `bindir` option) names the directory of initdb/pg_ctl/postgres to use, e.g. another major's
//      (make test-matrix); otherwise pg_config's, PATH's or the newest /usr/lib/postgresql/N/bin.
//
// Throwaway clusters are removed by stop(), and also when the process exits or is interrupted.
// The persistent cluster behind `make start` keeps its data under .data/ and its URL in .data/url,
// and the same port across stop and start (another one, said on stderr, only when it is taken).
// Nothing here ever connects to port 5432 or to a database it did not make, unless DATABASE_URL
// points there.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { $, fs, os, path, retry } from 'zx';

export type ClusterKind = 'url' | 'docker' | 'local';

/** A PostgreSQL server to run scripts and tests against. */
export interface Cluster {
  kind: ClusterKind;
  /** Connection URL of the maintenance database (`postgres`), or DATABASE_URL as given. */
  url: string;
  /** DATABASE_URL and the PG* variables for `url`, for child processes such as psql. */
  env: Record<string, string>;
  /** Stops and removes a throwaway cluster; stops (keeping data) a persistent one; no-op for `url`. Idempotent. */
  stop(): Promise<void>;
}

export interface ProvideOptions {
  /** Force a provider instead of the automatic choice (also: env PG_EVENTLOG_PROVIDER). */
  provider?: ClusterKind;
  /** Print progress to stderr. */
  log?: (message: string) => void;
  /** For a local cluster: the directory with initdb, pg_ctl and postgres (default: PG_EVENTLOG_PG_BIN, else found). */
  bindir?: string;
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where `make start` keeps its cluster: .data/ of the repository (PG_EVENTLOG_DATA_DIR overrides it, for tests). */
export const dataRoot = process.env.PG_EVENTLOG_DATA_DIR ? path.resolve(process.env.PG_EVENTLOG_DATA_DIR) : path.join(repoRoot, '.data');
const stateFile = path.join(dataRoot, 'cluster.json');
const urlFile = path.join(dataRoot, 'url');
const dockerImage = (major: string) => `pg-eventlog-pgtap:${major}`;
const dockerMajor = process.env.PG_MAJOR ?? '15';
const devContainer = 'pg-eventlog-dev';

const quiet = $({ quiet: true, verbose: false });

// ---------------------------------------------------------------------------------------------
// Public helpers

/** A throwaway cluster (or DATABASE_URL) chosen as described at the top of this file. */
export async function provideCluster(options: ProvideOptions = {}): Promise<Cluster> {
  const kind = await chooseProvider(options.provider);
  const log = options.log ?? (() => {});
  if (kind === 'url') {
    const url = process.env.DATABASE_URL!;
    return { kind, url, env: pgEnv(url), stop: async () => {} };
  }
  if (kind === 'docker') return startDocker({ persistent: false, log });
  return startLocal({ persistent: false, log, bindir: options.bindir });
}

/**
 * Starts (or finds running) the persistent development cluster of `make start`, makes sure
 * `database` exists in it, and writes that database's URL to .data/url. The returned cluster's
 * url is that database's. With DATABASE_URL set, that URL is used as it is.
 */
export async function startPersistentCluster(options: ProvideOptions & { database?: string } = {}): Promise<Cluster> {
  const kind = await chooseProvider(options.provider);
  const log = options.log ?? (() => {});
  let cluster: Cluster;
  if (kind === 'url') {
    const url = process.env.DATABASE_URL!;
    cluster = { kind, url, env: pgEnv(url), stop: async () => {} };
  } else {
    cluster = kind === 'docker' ? await startDocker({ persistent: true, log }) : await startLocal({ persistent: true, log });
    if (options.database) {
      const name = options.database;
      const exists = await withClient(cluster.url, (c) => c.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [name]));
      if (exists.rowCount === 0) await createDatabase(cluster.url, name);
      const url = databaseUrl(cluster.url, name);
      cluster = { ...cluster, url, env: pgEnv(url) };
    }
  }
  await fs.mkdirp(dataRoot);
  await fs.writeFile(urlFile, cluster.url + '\n');
  return cluster;
}

/** Stops the persistent cluster if it runs; true when something was stopped. Data stays in .data/. */
export async function stopPersistentCluster(): Promise<boolean> {
  const state = await readState();
  if (!state) return false;
  let stopped = false;
  if (state.kind === 'docker' && state.container) {
    const r = await quiet({ nothrow: true })`docker rm -f ${state.container}`;
    stopped = r.exitCode === 0;
  } else if (state.kind === 'local' && state.dataDir && state.bindir) {
    const running = await pgCtl(state.bindir, ['-D', state.dataDir, 'status'], state.dataDir, true);
    if (running.exitCode === 0) {
      await pgCtl(state.bindir, ['-D', state.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'], state.dataDir);
      stopped = true;
    }
  }
  await fs.remove(urlFile);
  return stopped;
}

/** URL of the persistent cluster from .data/url (DATABASE_URL wins), or undefined. */
export async function persistentUrl(): Promise<string | undefined> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  if (!(await fs.pathExists(urlFile))) return undefined;
  return (await fs.readFile(urlFile, 'utf8')).trim() || undefined;
}

/** The URL `base` with its database name replaced by `database`. */
export function databaseUrl(base: string, database: string): string {
  const u = new URL(base);
  u.pathname = '/' + encodeURIComponent(database);
  return u.toString();
}

/** DATABASE_URL plus PGHOST, PGPORT, PGUSER, PGDATABASE (and PGPASSWORD) describing `url`. */
export function pgEnv(url: string): Record<string, string> {
  const u = new URL(url);
  const env: Record<string, string> = { DATABASE_URL: url };
  const host = u.searchParams.get('host') ?? decodeURIComponent(u.hostname);
  if (host) env.PGHOST = host.replace(/^\[(.*)\]$/, '$1');
  env.PGPORT = u.port || u.searchParams.get('port') || '5432';
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (db) env.PGDATABASE = db;
  const sslmode = u.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

/** The URL with its password masked, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * Creates a database (default name: a random `pgel_test_…`) next to `adminUrl`; returns its URL.
 * With `template`, the new database is a copy of that one (`CREATE DATABASE … TEMPLATE`), and its
 * database settings (`ALTER DATABASE … SET`, `ALTER ROLE … IN DATABASE … SET`), which PostgreSQL
 * does not copy, are set on the copy as well. Nobody may be connected to the template.
 */
export async function createDatabase(
  adminUrl: string,
  name = `pgel_test_${randomBytes(5).toString('hex')}`,
  options: { template?: string } = {},
): Promise<string> {
  await withClient(adminUrl, async (c) => {
    if (!options.template) {
      await c.query(`CREATE DATABASE ${quoteIdent(name)}`);
      return;
    }
    await c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(options.template)}`);
    const { rows } = await c.query<{ role: string | null; setting: string }>(
      `SELECT r.rolname AS role, s.setting
       FROM pg_catalog.pg_db_role_setting AS d
       JOIN pg_catalog.pg_database AS db ON db.oid = d.setdatabase
       LEFT JOIN pg_catalog.pg_roles AS r ON r.oid = d.setrole
       CROSS JOIN LATERAL pg_catalog.unnest(d.setconfig) AS s(setting)
       WHERE db.datname = $1`,
      [options.template],
    );
    for (const { role, setting } of rows) {
      const eq = setting.indexOf('=');
      const assignment = `${setting.slice(0, eq).split('.').map(quoteIdent).join('.')} = ${pg.escapeLiteral(setting.slice(eq + 1))}`;
      await c.query(role === null
        ? `ALTER DATABASE ${quoteIdent(name)} SET ${assignment}`
        : `ALTER ROLE ${quoteIdent(role)} IN DATABASE ${quoteIdent(name)} SET ${assignment}`);
    }
  });
  return databaseUrl(adminUrl, name);
}

/** Drops a database made by createDatabase (its name or URL), closing its connections first. */
export async function dropDatabase(adminUrl: string, nameOrUrl: string): Promise<void> {
  const name = nameOrUrl.includes('://') ? decodeURIComponent(new URL(nameOrUrl).pathname.slice(1)) : nameOrUrl;
  await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

/** Runs `fn` with a connected client and always closes it. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Waits (zx retry) until `url` accepts a query. */
export async function waitForPostgres(url: string, attempts = 120): Promise<void> {
  await retry(attempts, '250ms', () => withClient(url, (c) => c.query('SELECT 1')));
}

/** Directory with initdb/pg_ctl/postgres: PG_EVENTLOG_PG_BIN, pg_config --bindir, then PATH, then the highest /usr/lib/postgresql/N/bin. */
export async function findPostgresBindir(): Promise<string | undefined> {
  const hasServer = (dir: string) => ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(path.join(dir, b)));
  const forced = process.env.PG_EVENTLOG_PG_BIN;
  if (forced) {
    if (!hasServer(forced)) throw new Error(`PG_EVENTLOG_PG_BIN=${forced} has no initdb, pg_ctl and postgres`);
    return path.resolve(forced);
  }
  const fromPgConfig = await quiet({ nothrow: true })`pg_config --bindir`;
  if (fromPgConfig.exitCode === 0 && hasServer(fromPgConfig.stdout.trim())) return fromPgConfig.stdout.trim();
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && hasServer(dir)) return dir;
  }
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) {
    const dir = path.join(base, v, 'bin');
    if (hasServer(dir)) return dir;
  }
  return undefined;
}

/** Is `port` free on 127.0.0.1 (nothing listening, we may bind it)? */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The port for the persistent cluster: the one it had last time (from .data/cluster.json), so the
 * URL stays the same across make stop / make start; another free one, said on `log`, only when
 * that one is taken or there was none.
 */
async function persistentPort(log: (m: string) => void): Promise<number> {
  const state = await readState();
  const saved = state?.url ? Number(new URL(state.url).port) : NaN;
  if (Number.isInteger(saved) && saved > 0) {
    if (await portIsFree(saved)) return saved;
    const port = await freePort();
    log(`port ${saved} of the last start is taken; using ${port} instead (the URL changes)`);
    return port;
  }
  return freePort();
}

/** A free TCP port on 127.0.0.1 (never 5432). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.unref();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    if (port !== 5432) return port;
  }
}

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

// ---------------------------------------------------------------------------------------------
// Choosing

async function chooseProvider(forced?: ClusterKind): Promise<ClusterKind> {
  const wanted = forced ?? (process.env.PG_EVENTLOG_PROVIDER as ClusterKind | undefined);
  if (wanted && !['url', 'docker', 'local'].includes(wanted)) {
    throw new Error(`PG_EVENTLOG_PROVIDER must be url, docker or local, not ${wanted}`);
  }
  if (wanted === 'url' || (!wanted && process.env.DATABASE_URL)) {
    if (!process.env.DATABASE_URL) throw new Error('PG_EVENTLOG_PROVIDER=url needs DATABASE_URL to be set');
    return 'url';
  }
  if (wanted === 'docker' || (!wanted && (await dockerAnswers()))) return 'docker';
  if (wanted === 'local' || (await findPostgresBindir())) return 'local';
  throw new Error(
    'No PostgreSQL available: set DATABASE_URL, start a Docker engine, or install the PostgreSQL server binaries (e.g. apt-get install postgresql-15).',
  );
}

async function dockerAnswers(): Promise<boolean> {
  const r = await quiet({ nothrow: true, timeout: '15s' })`docker info --format {{.ServerVersion}}`.catch(() => null);
  return !!r && r.exitCode === 0 && r.stdout.trim() !== '';
}

// ---------------------------------------------------------------------------------------------
// Cleanup on exit, SIGINT, SIGTERM, SIGHUP: every started throwaway resource registers its
// stop here, so nothing outlives the process that made it. On a signal the stops run
// asynchronously, keeping the event loop free (tsx's parent process SIGKILLs a child that does
// not acknowledge a relayed signal within 30 ms); on a plain exit they run synchronously.

interface ExitHook {
  sync: () => void;
  async: () => Promise<void>;
}

const exitHooks = new Set<ExitHook>();
let hooksInstalled = false;
let exiting = false;

/**
 * Runs `sync` when the process exits, or `async` (then exits) on SIGINT/SIGTERM/SIGHUP, once.
 * Returns a function that cancels it.
 */
export function onExit(sync: () => void, async: () => Promise<void> = async () => sync()): () => void {
  if (!hooksInstalled) {
    hooksInstalled = true;
    process.on('exit', () => {
      for (const hook of takeHooks()) {
        try {
          hook.sync();
        } catch {
          // best effort while exiting
        }
      }
    });
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      process.on(signal, () => {
        if (exiting) return; // a second Ctrl-C while cleaning up changes nothing
        exiting = true;
        const stops = takeHooks().map((hook) => hook.async().catch(() => hook.sync()));
        const deadline = new Promise((resolve) => setTimeout(resolve, 60_000).unref());
        void Promise.race([Promise.allSettled(stops), deadline]).finally(() => process.exit(code));
      });
    }
  }
  const hook = { sync, async };
  exitHooks.add(hook);
  return () => exitHooks.delete(hook);
}

function takeHooks(): ExitHook[] {
  const hooks = [...exitHooks];
  exitHooks.clear();
  return hooks;
}

// ---------------------------------------------------------------------------------------------
// Local binaries

interface State {
  kind: 'local' | 'docker';
  url: string;
  dataDir?: string;
  bindir?: string;
  container?: string;
}

async function readState(): Promise<State | undefined> {
  if (!(await fs.pathExists(stateFile))) return undefined;
  return JSON.parse(await fs.readFile(stateFile, 'utf8')) as State;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** argv to run a PostgreSQL binary, through runuser as `postgres` when we are root. */
export function asPostgres(bin: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

async function pgCtl(bindir: string, args: string[], cwd: string, nothrow = false) {
  const [cmd, argv] = asPostgres(path.join(bindir, 'pg_ctl'), args);
  return quiet({ cwd, nothrow })`${cmd} ${argv}`;
}

/** uid and gid of the postgres user when we are root (PostgreSQL refuses to run as root); else undefined. */
export async function postgresOwner(): Promise<{ uid: number; gid: number } | undefined> {
  if (!isRoot()) return undefined;
  const uid = await quiet({ nothrow: true })`id -u postgres`;
  const gid = await quiet({ nothrow: true })`id -g postgres`;
  if (uid.exitCode !== 0 || gid.exitCode !== 0) {
    throw new Error('Running as root, but there is no postgres user to run PostgreSQL as; create one or set DATABASE_URL.');
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Can the postgres user (when we are root) read and write `dir`? */
async function postgresCanUse(dir: string): Promise<boolean> {
  if (!isRoot()) return true;
  const r = await quiet({ nothrow: true })`runuser -u postgres -- test -r ${dir} -a -w ${dir} -a -x ${dir}`;
  return r.exitCode === 0;
}

async function startLocal({ persistent, log, bindir: given }: { persistent: boolean; log: (m: string) => void; bindir?: string }): Promise<Cluster> {
  const bindir = given ?? (await findPostgresBindir());
  if (!bindir) {
    throw new Error('No PostgreSQL server binaries found (pg_config --bindir, PATH, /usr/lib/postgresql/*/bin); install postgresql-15 or set DATABASE_URL.');
  }
  const owner = await postgresOwner();

  // Where the cluster lives: a fresh temp dir, or .data/pg (or, when the postgres user cannot
  // reach the repository, a fixed temp dir named after it, recorded in .data/cluster.json).
  let home: string;
  if (persistent) {
    const state = await readState();
    if (state?.kind === 'local' && state.dataDir && (await fs.pathExists(path.join(state.dataDir, 'PG_VERSION')))) {
      home = path.dirname(state.dataDir);
    } else {
      await fs.mkdirp(dataRoot);
      home = path.join(dataRoot, 'pg');
      await fs.mkdirp(home);
      if (owner) await fs.chown(home, owner.uid, owner.gid);
      if (!(await postgresCanUse(home))) {
        const tag = createHash('sha1').update(dataRoot).digest('hex').slice(0, 10);
        home = path.join(os.tmpdir(), `pg-eventlog-dev-${tag}`);
        await fs.mkdirp(home);
      }
    }
  } else {
    await sweepAbandonedClusters(bindir);
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'pg-eventlog-'));
    await fs.writeFile(path.join(home, 'owner'), String(process.pid));
  }
  if (owner) await fs.chown(home, owner.uid, owner.gid);
  await fs.chmod(home, 0o700);
  const dataDir = path.join(home, 'data');
  const logFile = path.join(home, 'postgres.log');

  const removeHome = () => {
    if (!persistent) rmSync(home, { recursive: true, force: true });
  };
  const stopArgs = ['-D', dataDir, '-m', persistent ? 'fast' : 'immediate', '-w', '-t', '60', 'stop'];
  const stopSync = () => {
    const [cmd, argv] = asPostgres(path.join(bindir, 'pg_ctl'), stopArgs);
    spawnSync(cmd, argv, { cwd: home, stdio: 'ignore' });
    removeHome();
  };
  const stopAsync = async () => {
    await pgCtl(bindir, stopArgs, home, true);
    removeHome();
  };
  const unregister = onExit(stopSync, stopAsync);

  try {
    if (!(await fs.pathExists(path.join(dataDir, 'PG_VERSION')))) {
      log(`initdb in ${dataDir}`);
      const [cmd, argv] = asPostgres(path.join(bindir, 'initdb'), [
        '-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', ...(persistent ? [] : ['--no-sync']),
      ]);
      await quiet({ cwd: home })`${cmd} ${argv}`;
      const settings = [
        '# written by scripts/lib/database.ts',
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${home.replace(/'/g, "''")}'`,
        'wal_level = logical',
        'max_replication_slots = 10',
        'max_wal_senders = 10',
        'max_prepared_transactions = 10',
        ...(persistent ? [] : ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']),
      ];
      await fs.appendFile(path.join(dataDir, 'postgresql.conf'), '\n' + settings.join('\n') + '\n');
    }

    let port: number | undefined;
    if (persistent) {
      const running = await pgCtl(bindir, ['-D', dataDir, 'status'], home, true);
      if (running.exitCode === 0) {
        const state = await readState();
        if (state?.url) {
          unregister();
          log('already running');
          return localCluster(state.url, stopAsync, unregister);
        }
        port = Number((await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[3]);
      }
    }
    if (port === undefined) {
      // The free port may be taken between asking and binding: try a few times.
      let attempt = 0;
      await retry(5, '100ms', async () => {
        port = persistent && attempt++ === 0 ? await persistentPort(log) : await freePort();
        log(`starting PostgreSQL (${bindir}) on 127.0.0.1:${port}`);
        const r = await pgCtl(bindir, ['-D', dataDir, '-l', logFile, '-o', `-p ${port}`, '-w', '-t', '60', 'start'], home, true);
        if (r.exitCode !== 0) {
          const tail = (await fs.readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-3).join(' | ');
          throw new Error(`PostgreSQL did not start in ${dataDir}: ${tail || r.stderr.trim()}`);
        }
      });
    }
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await waitForPostgres(url);
    if (persistent) {
      unregister(); // a persistent cluster outlives this process on purpose
      await fs.mkdirp(dataRoot);
      await fs.writeFile(stateFile, JSON.stringify({ kind: 'local', url, dataDir, bindir } satisfies State, null, 2) + '\n');
    }
    return localCluster(url, stopAsync, unregister);
  } catch (err) {
    if (!persistent) {
      stopSync();
      unregister();
    }
    throw err;
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes throwaway clusters whose owning process died without cleaning up (SIGKILL, a crash of
 * node itself): their `owner` pid is gone. A running server among them is stopped first.
 * A directory without an owner file is removed only when no server runs in it and it is older
 * than ten minutes.
 */
async function sweepAbandonedClusters(bindir: string): Promise<void> {
  const tmp = os.tmpdir();
  for (const name of await fs.readdir(tmp).catch(() => [] as string[])) {
    if (!/^pg-eventlog-[A-Za-z0-9]{6}$/.test(name)) continue;
    const home = path.join(tmp, name);
    try {
      const owner = Number((await fs.readFile(path.join(home, 'owner'), 'utf8').catch(() => '')).trim());
      const pidFile = path.join(home, 'data', 'postmaster.pid');
      const postmaster = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
      const running = !!postmaster && isAlive(postmaster);
      if (owner ? isAlive(owner) : running || Date.now() - (await fs.stat(home)).mtimeMs < 10 * 60_000) continue;
      if (running) {
        await pgCtl(bindir, ['-D', path.join(home, 'data'), '-m', 'immediate', '-w', '-t', '60', 'stop'], home, true);
      }
      rmSync(home, { recursive: true, force: true });
    } catch {
      // someone else's, or already gone: not ours to worry about
    }
  }
}

function localCluster(url: string, stop: () => Promise<void>, unregister: () => void): Cluster {
  let stopped = false;
  return {
    kind: 'local',
    url,
    env: pgEnv(url),
    async stop() {
      if (stopped) return;
      stopped = true;
      unregister();
      await stop();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Docker

async function startDocker({ persistent, log }: { persistent: boolean; log: (m: string) => void }): Promise<Cluster> {
  const image = dockerImage(dockerMajor);
  log(`building ${image} from Dockerfile.pgtap`);
  await quiet({ input: await fs.readFile(path.join(repoRoot, 'Dockerfile.pgtap')) })`docker build -q -t ${image} --build-arg PG_MAJOR=${dockerMajor} -`;

  const args = ['-d', '-e', 'POSTGRES_HOST_AUTH_METHOD=trust'];
  if (persistent) {
    const state = await readState();
    const running = await quiet({ nothrow: true })`docker inspect -f {{.State.Running}} ${devContainer}`;
    if (state?.kind === 'docker' && running.stdout.trim() === 'true') {
      return { kind: 'docker', url: state.url, env: pgEnv(state.url), stop: async () => void (await stopPersistentCluster()) };
    }
    await quiet({ nothrow: true })`docker rm -f ${devContainer}`;
    const volume = path.join(dataRoot, 'docker-pgdata');
    await fs.mkdirp(volume);
    args.push('--name', devContainer, '-v', `${volume}:/var/lib/postgresql/data`, '-p', `127.0.0.1:${await persistentPort(log)}:5432`);
  } else {
    args.push('--rm', '--tmpfs', '/var/lib/postgresql/data', '-p', '127.0.0.1::5432');
  }
  const command = ['-c', 'wal_level=logical', '-c', 'max_prepared_transactions=10', ...(persistent ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off'])];
  const id = (await quiet`docker run ${args} ${image} ${command}`).stdout.trim();
  const removeSync = () => void spawnSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
  const unregister = persistent ? () => {} : onExit(removeSync, async () => void (await quiet({ nothrow: true })`docker rm -f ${id}`));
  try {
    const mapping = (await quiet`docker port ${id} 5432/tcp`).stdout.trim().split('\n')[0];
    const port = Number(mapping.slice(mapping.lastIndexOf(':') + 1));
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    log(`container ${id.slice(0, 12)} on 127.0.0.1:${port}`);
    await waitForPostgres(url, 240);
    if (persistent) {
      await fs.mkdirp(dataRoot);
      await fs.writeFile(stateFile, JSON.stringify({ kind: 'docker', url, container: devContainer } satisfies State, null, 2) + '\n');
    }
    let stopped = false;
    return {
      kind: 'docker',
      url,
      env: pgEnv(url),
      async stop() {
        if (stopped) return;
        stopped = true;
        if (persistent) await stopPersistentCluster();
        else {
          await quiet({ nothrow: true })`docker rm -f ${id}`;
          unregister();
        }
      },
    };
  } catch (err) {
    removeSync();
    unregister();
    throw err;
  }
}
