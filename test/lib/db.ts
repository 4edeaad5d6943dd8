// Shared by every TypeScript test: a fresh database per test, dropped afterwards.
//
// Under `make test` (scripts/test.ts) DATABASE_URL points at the one throwaway cluster of the
// run. A test file run on its own (`npx tap test/harness/install.test.ts`) without DATABASE_URL
// gets a throwaway cluster of its own from the provider, removed when the file ends.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import tap from 'tap';
import { install, type InstallOptions } from '../../src/install/index.ts';
import {
  createDatabase,
  dropDatabase,
  pgEnv,
  provideCluster,
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

/** A new empty database; with `install`, pg-eventlog is installed in it first. Dropped at teardown. */
export async function freshDatabase(t: TestLike, options: { install?: boolean | Omit<InstallOptions, 'databaseUrl' | 'client'> } = {}): Promise<TestDatabase> {
  const { url: adminUrl } = await testCluster();
  const url = await createDatabase(adminUrl);
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
  if (options.install) await install({ databaseUrl: url, ...(options.install === true ? {} : options.install) });
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
