// Shared by every TypeScript test: a fresh database per test, dropped afterwards.
//
// Under `make test` (scripts/test.ts) DATABASE_URL points at the one throwaway cluster of the
// run. A test file run on its own (`npx tap test/harness/install.test.ts`) without DATABASE_URL
// gets a throwaway cluster of its own from the provider, removed when the file ends.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import tap from 'tap';
import { install, type InstallOptions } from '../../src/install/index.ts';
import { defaultMigrationsDir } from '../../src/install/migrations.ts';
import {
  createDatabase,
  dropDatabase,
  pgEnv,
  provideCluster,
  quoteIdent,
  withClient,
  type Cluster,
} from '../../scripts/lib/database.ts';

/** The part of a tap test this helper needs (works with `t` of any subtest). */
export interface TestLike {
  teardown(fn: () => unknown): void;
}

export interface TestDatabase {
  /** Database name (random, starts with pgel_test_). */
  name: string;
  /** Its connection URL. */
  url: string;
  /** DATABASE_URL and PG* variables for it, merged into process.env: pass to child processes. */
  env: NodeJS.ProcessEnv;
  /** A new connected client; closed automatically at teardown. */
  connect(): Promise<pg.Client>;
  /** Runs one query on a shared client and returns its rows. */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

let cluster: Promise<Cluster> | undefined;

/** The cluster tests run against: DATABASE_URL's, or one throwaway cluster for this process. */
export function testCluster(): Promise<Cluster> {
  cluster ??= provideCluster().then((c) => {
    tap.teardown(() => c.stop());
    return c;
  });
  return cluster;
}

/**
 * Whether `install: true` copies a template database instead of running the migrations:
 * PG_EVENTLOG_TEST_TEMPLATES=1 (scripts/test.ts sets it for its throwaway cluster) or =0; unset,
 * only when this process made its own throwaway cluster (no DATABASE_URL), so a server named by
 * DATABASE_URL never keeps a template database behind.
 */
function templatesWanted(cluster: Cluster): boolean {
  const flag = process.env.PG_EVENTLOG_TEST_TEMPLATES;
  if (flag === '1' || flag === '0') return flag === '1';
  return cluster.kind !== 'url';
}

/** The migrations and the installer: a template database is named after their hash. */
function installHash(migrationsDir: string): string {
  const hash = createHash('sha256');
  for (const dir of [path.resolve(migrationsDir), path.join(repoRoot, 'src', 'install')]) {
    hash.update(`${dir}\0`);
    for (const file of readdirSync(dir).sort()) {
      hash.update(`${file}\0`).update(readFileSync(path.join(dir, file))).update('\0');
    }
  }
  return hash.digest('hex').slice(0, 16);
}

const templates = new Map<string, Promise<string>>();

/**
 * The name of a database in which the default install (`install()`, schema eventlog, of
 * `migrationsDir`) was made once per cluster and migration set, `pgel_template_<hash>`: made by the first test file that needs it
 * (under a session advisory lock, so two processes never both make it), kept as a template that
 * accepts no connections, and copied by every later `freshDatabase(t, { install: true })`. A copy
 * is what an install makes (test/harness/template-copy-matches-install.test.ts compares the two),
 * in a second instead of the migrations' several.
 */
export function installedTemplate(adminUrl: string, migrationsDir = defaultMigrationsDir): Promise<string> {
  const key = `${adminUrl}\0${path.resolve(migrationsDir)}`;
  let template = templates.get(key);
  if (template) return template;
  template = (async () => {
    const name = `pgel_template_${installHash(migrationsDir)}`;
    await withClient(adminUrl, async (c) => {
      await c.query('SELECT pg_catalog.pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
      try {
        const exists = await c.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [name]);
        if (exists.rowCount) return;
        // Built under another name and renamed when whole: a build cut off midway is never used.
        const building = `pgel_building_${randomBytes(5).toString('hex')}`;
        const url = await createDatabase(adminUrl, building);
        await install({ databaseUrl: url, migrationsDir });
        await c.query(`ALTER DATABASE ${quoteIdent(building)} RENAME TO ${quoteIdent(name)}`);
        await c.query(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
      } finally {
        await c.query('SELECT pg_catalog.pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]);
      }
    });
    return name;
  })();
  templates.set(key, template);
  return template;
}

/** Session advisory lock (in database postgres) held while a template database is made. */
const TEMPLATE_LOCK_KEY = '7310599478223106050';

/** A new empty database; with `install`, pg-eventlog is installed in it first. Dropped at teardown. */
export async function freshDatabase(t: TestLike, options: { install?: boolean | Omit<InstallOptions, 'databaseUrl' | 'client'> } = {}): Promise<TestDatabase> {
  const cluster = await testCluster();
  const adminUrl = cluster.url;
  // The default install, or one of another migrations directory (a fixture's), comes from a
  // template; an install with other options (another schema or role prefix) runs the migrations.
  const only = options.install === true ? {} : options.install;
  const fromTemplate = !!only && Object.keys(only).every((k) => k === 'migrationsDir') && templatesWanted(cluster);
  const template = fromTemplate ? await installedTemplate(adminUrl, only.migrationsDir) : undefined;
  const url = await createDatabase(adminUrl, undefined, { template });
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const clients: pg.Client[] = [];
  let shared: pg.Client | undefined;
  t.teardown(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    await dropDatabase(adminUrl, name);
  });
  const connect = async () => {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {});
    clients.push(client);
    await client.connect();
    return client;
  };
  const db: TestDatabase = {
    name,
    url,
    env: { ...process.env, ...pgEnv(url) },
    connect,
    async query(sql, params) {
      shared ??= await connect();
      return (await shared.query(sql, params as unknown[])).rows;
    },
  };
  if (options.install && !fromTemplate) await install({ databaseUrl: url, ...(options.install === true ? {} : options.install) });
  return db;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (no shell), capturing its output. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `npx pg-eventlog ARGS` (the bin shim) with `env`. */
export function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return run(process.execPath, [fileURLToPath(new URL('../../bin/pg-eventlog.js', import.meta.url)), ...args], env);
}

/** Runs `psql -X -v ON_ERROR_STOP=1 ARGS` against `db`. */
export function psql(db: TestDatabase, args: string[]): Promise<RunResult> {
  return run('psql', ['-X', '-v', 'ON_ERROR_STOP=1', ...args], db.env);
}
