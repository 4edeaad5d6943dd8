// The database that make bench and make stress run against, from the harness's provider:
// a scratch database with pg-eventlog installed, dropped afterwards, on
//   - DATABASE_URL's server when it is set (a database next to the one it names, never that one:
//     the log is append-only, so millions of bench events could never be removed from it), or
//   - a throwaway cluster (or container) of the provider's.
//
// The provider's throwaway cluster turns fsync, synchronous_commit and full_page_writes off to make
// tests fast. A benchmark on such settings would measure something no user runs (and would
// flatter any design that commits often), so for a local throwaway cluster we switch them back to
// PostgreSQL's defaults with ALTER SYSTEM before measuring (--as-provided keeps them). The settings
// in force are read back and printed with every result.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import { install } from '../../../src/install/index.ts';
import {
  createDatabase,
  dropDatabase,
  provideCluster,
  redactUrl,
  withClient,
  type Cluster,
} from '../database.ts';

/** Settings worth printing next to a throughput figure. */
export const REPORTED_SETTINGS = [
  'fsync',
  'synchronous_commit',
  'full_page_writes',
  'wal_level',
  'shared_buffers',
  'max_wal_size',
  'checkpoint_timeout',
  'wal_sync_method',
  'jit',
] as const;

/** PostgreSQL's own defaults for the settings the provider relaxes. */
const DURABLE_DEFAULTS: Record<string, string> = { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on' };

export interface BenchDatabase {
  cluster: Cluster;
  /** URL of the scratch database (pg-eventlog installed). */
  url: string;
  /** Database name. */
  name: string;
  /** pg-eventlog version installed. */
  version: string | null;
  /** How the settings came about, for the report. */
  settingsNote: string;
  /** Drops the scratch database and stops a throwaway cluster. Idempotent. */
  close(): Promise<void>;
}

export interface BenchDatabaseOptions {
  /** Name prefix of the scratch database. */
  prefix: string;
  /** Restore durable defaults on a throwaway cluster (default true). */
  durable?: boolean;
  log?: (message: string) => void;
}

export async function benchDatabase(options: BenchDatabaseOptions): Promise<BenchDatabase> {
  const log = options.log ?? (() => {});
  const cluster = await provideCluster({ log });
  let name: string | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    // A throwaway cluster goes as a whole; only a scratch database on DATABASE_URL's server needs dropping.
    if (name && cluster.kind === 'url') await dropDatabase(cluster.url, name).catch((err) => log(`could not drop ${name}: ${(err as Error).message}`));
    await cluster.stop();
  };
  try {
    log(`server: ${cluster.kind === 'url' ? `DATABASE_URL ${redactUrl(cluster.url)}` : `throwaway ${cluster.kind} cluster`}`);
    let settingsNote: string;
    if (options.durable === false) {
      settingsNote = 'settings as provided (--as-provided)';
    } else if (cluster.kind === 'local') {
      await withClient(cluster.url, async (c) => {
        for (const [setting, value] of Object.entries(DURABLE_DEFAULTS)) {
          await c.query(`ALTER SYSTEM SET ${setting} = '${value}'`);
        }
        await c.query('SELECT pg_catalog.pg_reload_conf()');
      });
      await waitForSettings(cluster.url, DURABLE_DEFAULTS);
      settingsNote = 'throwaway cluster switched back to the durable defaults (fsync, synchronous_commit, full_page_writes on)';
    } else if (cluster.kind === 'docker') {
      settingsNote = 'Docker throwaway container: fsync and synchronous_commit are off on its command line and its data is on tmpfs; not a durable setup, compare ratios only';
    } else {
      settingsNote = "DATABASE_URL's server, settings as found";
    }
    name = `${options.prefix}_${randomBytes(4).toString('hex')}`;
    const url = await createDatabase(cluster.url, name);
    log(`scratch database ${name}; installing pg-eventlog`);
    const result = await install({ databaseUrl: url });
    return { cluster, url, name, version: result.version, settingsNote, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function waitForSettings(url: string, wanted: Record<string, string>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const current = await readSettings(url, Object.keys(wanted));
    if (Object.entries(wanted).every(([k, v]) => current[k] === v)) return;
    if (Date.now() > deadline) throw new Error(`the server did not take ${JSON.stringify(wanted)}; it reports ${JSON.stringify(current)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** name → setting with its unit (e.g. shared_buffers "128MB"). */
export async function readSettings(url: string, names: readonly string[] = REPORTED_SETTINGS): Promise<Record<string, string>> {
  return withClient(url, async (c) => {
    const out: Record<string, string> = {};
    for (const n of names) out[n] = (await c.query(`SELECT pg_catalog.current_setting($1) AS v`, [n])).rows[0].v;
    return out;
  });
}

/** Can get_event(client text, max_rows integer) be called (with or without further defaulted arguments)? */
export async function hasNamedClients(url: string): Promise<boolean> {
  return withClient(url, async (c) =>
    (await c.query(`
      SELECT EXISTS (
        SELECT 1
        FROM pg_catalog.pg_proc AS p
        JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = 'eventlog' AND p.proname = 'get_event'
          AND p.pronargs >= 2 AND p.pronargs - p.pronargdefaults <= 2
          AND p.proargtypes[0] = 'text'::pg_catalog.regtype AND p.proargtypes[1] = 'integer'::pg_catalog.regtype
      ) AS yes`)).rows[0].yes as boolean);
}

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  loadBefore: number[];
}

export async function describeMachine(url: string): Promise<Machine> {
  const postgres = await withClient(url, async (c: pg.Client) => (await c.query('SELECT pg_catalog.version() AS v')).rows[0].v as string);
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model?.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: postgres.replace(/ on .*$/, ''),
    loadBefore: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/**
 * On SIGINT/SIGTERM/SIGHUP: calls `stop` (end loops, stop child processes), then, unless the
 * provider is cleaning up a throwaway cluster of its own (it stops it asynchronously and exits
 * when done; exiting first would leave its temp dir behind), drops the scratch database on
 * DATABASE_URL's server and exits 130/143/129. Returns a function that removes the handlers.
 */
export function onInterrupt(stop: () => void, database: () => BenchDatabase | undefined): () => void {
  let handling = false;
  const codes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
  const handlers = (Object.keys(codes) as (keyof typeof codes)[]).map((signal) => {
    const handler = () => {
      if (handling) return;
      handling = true;
      console.error(`\n${signal}: stopping and cleaning up`);
      stop();
      const db = database();
      if (db && db.cluster.kind !== 'url') return; // the provider's own handler stops the cluster and exits
      void Promise.resolve(db?.close())
        .catch(() => {})
        .finally(() => process.exit(codes[signal]));
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => handlers.forEach(([signal, handler]) => process.removeListener(signal, handler));
}
