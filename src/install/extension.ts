// The CREATE EXTENSION packaging of pg-eventlog, generated from src/sql and the release manifest.
//
// A release is a prefix of the migration list, recorded with each file's sha256 in
// src/install/extension-releases.json (written by `npm run release -- X.Y.Z`, never by hand).
// From it and the migrations this builds, with nothing kept by hand:
//
//   pg_eventlog.control          default_version = the newest version (released, or the working one)
//   pg_eventlog--<v>.sql         every migration of version v, byte for byte, for each version
//   pg_eventlog--<a>--<b>.sql    the migrations b adds to a, for each consecutive pair
//
// The working version (migrations after the last release) is package.json's version while that
// is unreleased, else `<last release>-dev`. See docs/install.md#create-extension.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SCHEMA, InstallError, loadMigrations, type Migration } from './migrations.ts';

export const EXTENSION_NAME = 'pg_eventlog';
/** src/install/extension-releases.json of this package. */
export const defaultManifestPath = fileURLToPath(new URL('./extension-releases.json', import.meta.url));

const DISABLE_TRANSACTION = '-- postgres-migrations disable-transaction';

/** One released version: the migration files it contains (a prefix of src/sql), each with its sha256. */
export interface Release {
  version: string;
  /** ISO date of the release. */
  date?: string;
  migrations: { file: string; sha256: string }[];
}

export interface ReleaseManifest {
  releases: Release[];
}

export interface ExtensionBuild {
  /** The version CREATE EXTENSION installs by default. */
  defaultVersion: string;
  /** Whether defaultVersion is a released one (false: migrations after the last release). */
  released: boolean;
  /** File name (pg_eventlog.control, pg_eventlog--…sql) → content: what goes into the extension directory. */
  files: Map<string, string>;
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export async function readManifest(file = defaultManifestPath): Promise<ReleaseManifest> {
  const manifest = JSON.parse(await readFile(file, 'utf8')) as ReleaseManifest;
  if (!Array.isArray(manifest.releases)) throw new InstallError(`${file}: no "releases" list`);
  return manifest;
}

/** The migrations of src/sql (default names), the runner's id 0 left out. */
export async function extensionMigrations(migrationsDir: string): Promise<Migration[]> {
  return (await loadMigrations(migrationsDir, { schema: DEFAULT_SCHEMA, rolePrefix: DEFAULT_SCHEMA })).filter((m) => m.id > 0);
}

/**
 * Everything wrong between the manifest and the migrations, one line each; empty when every
 * released migration is still there, unchanged and in the same place, and each release extends
 * the one before. This is the frozen-migrations check (test/packaging/frozen-migrations.test.ts).
 */
export function frozenProblems(manifest: ReleaseManifest, migrations: Pick<Migration, 'fileName' | 'sql'>[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  let previous: Release | undefined;
  for (const release of manifest.releases) {
    if (!validVersion(release.version)) problems.push(`release "${release.version}": not a valid extension version name`);
    if (seen.has(release.version)) problems.push(`release ${release.version} is listed twice`);
    seen.add(release.version);
    if (previous) {
      const prefix = release.migrations.slice(0, previous.migrations.length);
      const extends_ = prefix.length === previous.migrations.length
        && prefix.every((m, i) => m.file === previous!.migrations[i].file && m.sha256 === previous!.migrations[i].sha256);
      if (!extends_) problems.push(`release ${release.version} does not start with the migrations of release ${previous.version}`);
    }
    previous = release;
  }
  const last = manifest.releases.at(-1);
  if (!last) return problems;
  last.migrations.forEach((released, i) => {
    const now = migrations[i];
    if (!now) {
      problems.push(`${released.file} (released in ${last.version}) is missing: released migrations are frozen`);
    } else if (now.fileName !== released.file) {
      problems.push(`migration ${i + 1} is ${now.fileName}, but release ${last.version} has ${released.file} there: released migrations are frozen (never rename or renumber one)`);
    } else if (sha256(now.sql) !== released.sha256) {
      problems.push(`${released.file} changed since release ${releaseOf(manifest, released.file)}: released migrations are frozen; undo the change and fix forward in a new migration`);
    }
  });
  return problems;
}

function releaseOf(manifest: ReleaseManifest, file: string): string {
  return manifest.releases.find((r) => r.migrations.some((m) => m.file === file))?.version ?? '?';
}

/** PostgreSQL's rule for extension version names (no "--", no leading or trailing "-", no "/"), kept to a sane alphabet. */
export function validVersion(v: string): boolean {
  return /^[0-9A-Za-z][0-9A-Za-z.+_-]*$/.test(v) && !v.includes('--') && !v.endsWith('-');
}

/** The version that the migrations after the last release form, or null when there are none. */
export function workingVersion(manifest: ReleaseManifest, migrations: Migration[], packageVersion: string): string | null {
  const last = manifest.releases.at(-1);
  if (last && last.migrations.length === migrations.length) return null;
  if (!manifest.releases.some((r) => r.version === packageVersion)) return packageVersion;
  return `${last!.version}-dev`;
}

/** The extension files for `migrationsDir` and `manifest`; throws InstallError if a released migration changed. */
export async function buildExtension(migrationsDir: string, manifest: ReleaseManifest, packageVersion: string): Promise<ExtensionBuild> {
  const migrations = await extensionMigrations(migrationsDir);
  const problems = frozenProblems(manifest, migrations);
  if (problems.length) throw new InstallError(`cannot build the extension: ${problems.join('; ')}`);
  for (const m of migrations) {
    if (m.sql.includes(DISABLE_TRANSACTION)) {
      throw new InstallError(`cannot build the extension: ${m.fileName} runs outside a transaction (${DISABLE_TRANSACTION}), which an extension script cannot do`);
    }
  }
  const working = workingVersion(manifest, migrations, packageVersion);
  if (working !== null && !validVersion(working)) throw new InstallError(`package.json version "${working}" is not a valid extension version name`);
  const versions: { version: string; count: number }[] = manifest.releases.map((r) => ({ version: r.version, count: r.migrations.length }));
  if (working !== null) versions.push({ version: working, count: migrations.length });

  const files = new Map<string, string>();
  const defaultVersion = versions.at(-1)!.version;
  files.set(`${EXTENSION_NAME}.control`, controlFile(defaultVersion));
  versions.forEach(({ version, count }, i) => {
    files.set(`${EXTENSION_NAME}--${version}.sql`, script(version, null, migrations.slice(0, count)));
    if (i > 0) {
      const from = versions[i - 1];
      files.set(`${EXTENSION_NAME}--${from.version}--${version}.sql`, script(version, from.version, migrations.slice(from.count, count)));
    }
  });
  return { defaultVersion, released: working === null, files };
}

function controlFile(defaultVersion: string): string {
  return [
    '# pg_eventlog: generated by `npm run build` from src/sql and src/install/extension-releases.json. Do not edit.',
    "comment = 'pg-eventlog: an append-only, gap-safe event log with cursors, streams and push delivery (objects in schema eventlog)'",
    `default_version = '${defaultVersion}'`,
    // The SQL names its schema literally (eventlog.…); use the CLI's --schema for another name.
    'relocatable = false',
    // pg_extension.extnamespace; the script creates schema eventlog itself, as a member, so that
    // DROP EXTENSION drops it and CREATE EXTENSION refuses a schema eventlog that is not ours.
    'schema = pg_catalog',
    // Creates roles and (0026) an event trigger: superuser only, and not trusted.
    'superuser = true',
    'trusted = false',
    "requires = 'plpgsql'",
    '',
  ].join('\n');
}

function script(version: string, from: string | null, migrations: Migration[]): string {
  const out = [
    from === null
      ? `-- pg_eventlog ${version}: CREATE EXTENSION pg_eventlog VERSION '${version}'.`
      : `-- pg_eventlog ${from} -> ${version}: ALTER EXTENSION pg_eventlog UPDATE TO '${version}'.`,
    '-- Generated by `npm run build` from src/sql (each migration copied byte for byte). Do not edit.',
    `\\echo Use "${from === null ? 'CREATE EXTENSION pg_eventlog' : `ALTER EXTENSION pg_eventlog UPDATE TO '${version}'`}" to load this file. \\quit`,
  ];
  for (const m of migrations) {
    // search_path is pg_catalog here (the control file's schema), not eventlog as under the CLI's
    // runner: migrations qualify every name, and an unqualified CREATE fails here instead of landing elsewhere.
    out.push('', `-- ${m.fileName} ${'-'.repeat(Math.max(3, 90 - m.fileName.length))}`);
    out.push(m.sql.endsWith('\n') ? m.sql.slice(0, -1) : m.sql);
    out.push(';');
  }
  out.push('', CONFIG_DUMP);
  return out.join('\n') + '\n';
}

/**
 * Run at the end of every script: every table and sequence of the extension is a configuration
 * table for pg_dump (pg_extension_config_dump), so its rows are dumped although the table itself
 * comes from CREATE EXTENSION. Computed from the catalog, so a new migration's table needs nothing.
 */
const CONFIG_DUMP = `-- pg_dump keeps the rows of every table and the state of every sequence of the extension -------
DO $pg_eventlog$
DECLARE
  v_rel pg_catalog.regclass;
BEGIN
  FOR v_rel IN
    SELECT c.oid::pg_catalog.regclass
    FROM pg_catalog.pg_class AS c
    JOIN pg_catalog.pg_depend AS d
      ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e'
     AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
    JOIN pg_catalog.pg_extension AS x ON x.oid = d.refobjid AND x.extname = 'pg_eventlog'
    WHERE c.relkind IN ('r', 'p', 'S')
    ORDER BY c.oid
  LOOP
    PERFORM pg_catalog.pg_extension_config_dump(v_rel, '');
  END LOOP;
END;
$pg_eventlog$;`;
