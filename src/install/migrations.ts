// The migrations in src/sql, as postgres-migrations sees them, optionally renamed for a
// non-default schema or role prefix.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMigrationFiles } from 'postgres-migrations';

/** src/sql of this package. */
export const defaultMigrationsDir = fileURLToPath(new URL('../sql/', import.meta.url));

export const DEFAULT_SCHEMA = 'eventlog';
export const ROLE_SUFFIXES = ['writer', 'reader', 'admin'] as const;

/** Where to install: the schema and the prefix of the three roles (`<prefix>_writer`, …). */
export interface Names {
  schema: string;
  rolePrefix: string;
}

export interface Migration {
  id: number;
  name: string;
  fileName: string;
  /** sha1(fileName + sql), exactly as postgres-migrations computes and stores it. */
  hash: string;
  sql: string;
}

/**
 * Thrown for anything the user can fix; the CLI prints its message as one line. `code` is stable
 * for the refusals a program may want to tell apart: `FOREIGN_SCHEMA` (install into a schema that
 * is not a pg-eventlog install), `FOREIGN_OBJECTS` (uninstall with objects in the way),
 * `NO_INVENTORY` (uninstall of an install that has no record of its objects).
 */
export class InstallError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'InstallError';
    this.code = code;
  }
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

/** Checks the names and fills in the default prefix; throws InstallError with a clear message. */
export function resolveNames(schema: string = DEFAULT_SCHEMA, rolePrefix?: string): Names {
  const prefix = rolePrefix ?? schema;
  if (!IDENT.test(schema) || Buffer.byteLength(schema) > 63) {
    throw new InstallError(`invalid schema name "${schema}": use a lower-case identifier (a-z, 0-9, _; not starting with a digit), at most 63 characters`);
  }
  if (schema === 'public' || schema === 'information_schema' || schema.startsWith('pg_')) {
    throw new InstallError(`schema name "${schema}" is reserved or shared; pick a schema of its own, such as eventlog`);
  }
  if (!IDENT.test(prefix) || Buffer.byteLength(prefix) > 63 - '_writer'.length) {
    throw new InstallError(`invalid role prefix "${prefix}": use a lower-case identifier (a-z, 0-9, _; not starting with a digit), at most 56 characters`);
  }
  if (prefix.startsWith('pg_')) {
    throw new InstallError(`role prefix "${prefix}" is reserved: role names starting with pg_ belong to PostgreSQL`);
  }
  return { schema, rolePrefix: prefix };
}

export const isDefault = (names: Names) => names.schema === DEFAULT_SCHEMA && names.rolePrefix === DEFAULT_SCHEMA;

export function roleNames(names: Names): string[] {
  return ROLE_SUFFIXES.map((s) => `${names.rolePrefix}_${s}`);
}

/**
 * Migrations are written with the schema `eventlog` and roles `eventlog_writer|reader|admin`.
 * This renames the whole word `eventlog` (not `eventlog_…`, not the product name `pg-eventlog`)
 * to the schema and the three role names to `<prefix>_writer|reader|admin`, in one pass.
 */
export function rewriteSql(sql: string, names: Names): string {
  if (isDefault(names)) return sql;
  return sql.replace(/(?<![-\w])eventlog(?:_(writer|reader|admin))?\b(?!_)/g, (_match, role?: string) =>
    role ? `${names.rolePrefix}_${role}` : names.schema,
  );
}

/**
 * A directory to hand to postgres-migrations: `dir` itself for the default names (files used
 * byte for byte), else a temp copy with every .sql file rewritten. Call cleanup() when done.
 */
export async function migrationsDirFor(dir: string, names: Names): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  if (isDefault(names)) return { dir, cleanup: async () => {} };
  const tmp = await mkdtemp(path.join(tmpdir(), 'pg-eventlog-sql-'));
  for (const file of await readdir(dir)) {
    if (!file.endsWith('.sql')) continue;
    await writeFile(path.join(tmp, file), rewriteSql(await readFile(path.join(dir, file), 'utf8'), names));
  }
  return { dir: tmp, cleanup: () => rm(tmp, { recursive: true, force: true }) };
}

/** All migrations postgres-migrations would run for `dir` and `names`, including its own id 0. */
export async function loadMigrations(dir: string, names: Names): Promise<Migration[]> {
  const { dir: from, cleanup } = await migrationsDirFor(dir, names);
  try {
    const loaded = await loadMigrationFiles(from);
    return loaded.map(({ id, name, fileName, hash, sql }) => ({ id, name, fileName, hash, sql }));
  } catch (err) {
    throw new InstallError(`cannot read migrations in ${dir}: ${(err as Error).message}`);
  } finally {
    await cleanup();
  }
}

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}
