// Install, upgrade, inspect and remove pg-eventlog in a database.
//
// postgres-migrations keeps an unqualified `migrations` table, checks whether a table of that
// name exists in ANY schema and then reads it through search_path. To keep our bookkeeping away
// from a host application's own `public.migrations` (or another tool's), we create
// `<schema>.migrations` ourselves (the same columns as the runner's migration 0) and run the
// runner with `search_path` set to our schema only. A session advisory lock of our own
// serializes concurrent installers around all of it. See docs/install.md.
import pg from 'pg';
import { migrate } from 'postgres-migrations';
import {
  DEFAULT_SCHEMA,
  defaultMigrationsDir,
  InstallError,
  loadMigrations,
  migrationsDirFor,
  quoteIdent,
  resolveNames,
  roleNames,
  type Names,
} from './migrations.ts';
import { foreignObjects, hasInventory, INVENTORY_TABLE, listForMessage, readInventory, recordInventory, schemaObjects } from './inventory.ts';

export { DEFAULT_SCHEMA, InstallError, resolveNames, rewriteSql, roleNames, loadMigrations, type Names } from './migrations.ts';
export { buildBundle } from './bundle.ts';
export { INVENTORY_TABLE } from './inventory.ts';

/** Held (session level) by every installer, upgrader and uninstaller while it works. */
export const INSTALL_LOCK_KEY = '7310599478223106049';

export interface ConnectionOptions {
  /** postgres:// URL; when neither this nor `client` is given, pg reads DATABASE_URL, then PG* variables. */
  databaseUrl?: string;
  /** An already connected client (left open). Must be a direct connection, not a transaction pooler. */
  client?: pg.Client;
}

export interface InstallOptions extends ConnectionOptions {
  schema?: string;
  /** Prefix of the three roles; defaults to the schema name. */
  rolePrefix?: string;
  /** Defaults to this package's src/sql. */
  migrationsDir?: string;
  log?: (message: string) => void;
}

export interface AppliedMigration {
  id: number;
  name: string;
  hash: string;
}

export interface InstallResult {
  schema: string;
  /** Migrations applied by this call, in order (empty when already up to date). */
  applied: string[];
  version: string | null;
}

export interface Status {
  schema: string;
  installed: boolean;
  version: string | null;
  applied: AppliedMigration[];
  /** File names present in the migrations directory but not yet applied. */
  pending: string[];
  /** File names whose applied hash differs from the file now (the runner refuses to upgrade). */
  changed: string[];
  /**
   * Objects that uninstall would have to drop but pg-eventlog did not create (`<type> <identity>`,
   * e.g. `table eventlog.my_data`): while there are any, uninstall refuses. Empty when not installed.
   */
  foreign: string[];
  /**
   * Whether the install has its record of what it created (`<schema>.installed_objects`); false
   * for an install made before the record existed, until the next install or upgrade writes it.
   */
  recorded: boolean;
}

export interface UninstallResult {
  schema: string;
  schemaDropped: boolean;
  rolesDropped: string[];
  /** Roles kept, each with the reason (for example privileges in another database). */
  rolesKept: { role: string; reason: string }[];
  /** `member -> role` memberships that went away with dropped roles. */
  membershipsRemoved: string[];
  /** Event triggers (database-level) whose function was in the schema, dropped first. */
  eventTriggersDropped: string[];
}

/** Applies every pending migration; creates the schema and bookkeeping first. A no-op when up to date. */
export async function install(options: InstallOptions = {}): Promise<InstallResult> {
  return applyMigrations(options, false);
}

/** Same as install, but refuses when pg-eventlog is not installed in the schema yet. */
export async function upgrade(options: InstallOptions = {}): Promise<InstallResult> {
  return applyMigrations(options, true);
}

async function applyMigrations(options: InstallOptions, mustExist: boolean): Promise<InstallResult> {
  const names = resolveNames(options.schema, options.rolePrefix);
  const schema = quoteIdent(names.schema);
  const log = options.log ?? (() => {});
  const source = options.migrationsDir ?? defaultMigrationsDir;
  await loadMigrations(source, names); // fail early, before connecting, on a broken migrations dir
  return withConnection(options, async (client) => {
    return withInstallLock(client, async () => {
      const installed = await isInstalled(client, names.schema);
      if (mustExist && !installed) {
        throw new InstallError(`pg-eventlog is not installed in schema ${names.schema}; run install first`);
      }
      if (!installed && (await schemaExists(client, names.schema))) await refuseForeignSchema(client, names.schema);
      // With an inventory, remember what is there now: whatever the migrations add is ours.
      const before = installed && (await hasInventory(client, names.schema))
        ? new Set((await schemaObjects(client, names.schema)).map((o) => o.name))
        : null;
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      // The same columns as postgres-migrations' own 0_create-migrations-table.sql.
      await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.migrations (
  id integer PRIMARY KEY,
  name varchar(100) UNIQUE NOT NULL,
  hash varchar(40) NOT NULL,
  executed_at timestamp DEFAULT current_timestamp
)`);
      const { dir, cleanup } = await migrationsDirFor(source, names);
      const saved = (await client.query<{ search_path: string }>('SHOW search_path')).rows[0].search_path;
      await client.query(`SET search_path TO ${schema}`);
      let applied: string[];
      try {
        const ran = await migrate({ client }, dir, { logger: (m) => log(m) });
        applied = ran.map((m) => m.fileName);
      } catch (err) {
        // What the migrations before the failing one created is ours all the same.
        await recordInventory(client, names.schema, before).catch(() => {});
        throw new InstallError(oneLine((err as Error).message));
      } finally {
        await client.query('SELECT pg_catalog.set_config($1, $2, false)', ['search_path', saved]).catch(() => {});
        await cleanup();
      }
      await recordInventory(client, names.schema, before);
      return { schema: names.schema, applied: applied.filter((f) => !f.startsWith('0_')), version: await readVersion(client, names.schema) };
    });
  });
}

/** Throws for a schema that exists but is not a pg-eventlog install, naming what is in it. */
async function refuseForeignSchema(client: pg.Client, schema: string): Promise<never> {
  const objects = foreignObjects(await schemaObjects(client, schema), new Set());
  if (objects.length) {
    throw new InstallError(
      `schema ${schema} already exists and is not a pg-eventlog install: it holds ${listForMessage(objects)}; nothing was changed (install into a schema of its own with --schema NAME)`,
      'FOREIGN_SCHEMA',
    );
  }
  throw new InstallError(
    `schema ${schema} already exists and is not a pg-eventlog install (it is empty); nothing was changed (drop it with DROP SCHEMA ${quoteIdent(schema)}, or install with --schema NAME)`,
    'FOREIGN_SCHEMA',
  );
}

/** Installed version, applied and pending migrations. Never changes anything. */
export async function status(options: InstallOptions = {}): Promise<Status> {
  const names = resolveNames(options.schema, options.rolePrefix);
  const wanted = (await loadMigrations(options.migrationsDir ?? defaultMigrationsDir, names)).filter((m) => m.id > 0);
  return withConnection(options, async (client) => {
    const installed = await isInstalled(client, names.schema);
    const applied = installed
      ? (await client.query<AppliedMigration>(
          `SELECT id, name, hash FROM ${quoteIdent(names.schema)}.migrations WHERE id > 0 ORDER BY id`,
        )).rows
      : [];
    const byId = new Map(applied.map((m) => [m.id, m]));
    const inventory = installed ? await readInventory(client, names.schema) : null;
    const objects = installed ? await schemaObjects(client, names.schema) : [];
    return {
      schema: names.schema,
      installed,
      version: installed ? await readVersion(client, names.schema) : null,
      applied,
      pending: wanted.filter((m) => !byId.has(m.id)).map((m) => m.fileName),
      changed: wanted.filter((m) => byId.has(m.id) && byId.get(m.id)!.hash !== m.hash).map((m) => m.fileName),
      foreign: installed && inventory ? foreignObjects(objects, inventory) : [],
      recorded: inventory !== null,
    };
  });
}

/**
 * Drops what pg-eventlog created: its event triggers, the schema (CASCADE) and the three roles.
 * Refuses, dropping nothing, when the schema is not a pg-eventlog install or when the drop would
 * take anything the installer did not record (a user's table in the schema, a view elsewhere over
 * one of our tables, …). A role that still holds privileges or objects elsewhere (another
 * database, or objects outside our schema) is kept and reported, so nothing else is touched.
 */
export async function uninstall(options: InstallOptions = {}): Promise<UninstallResult> {
  const names = resolveNames(options.schema, options.rolePrefix);
  return withConnection(options, (client) =>
    withInstallLock(client, async () => {
      const result: UninstallResult = {
        schema: names.schema, schemaDropped: false, rolesDropped: [], rolesKept: [], membershipsRemoved: [], eventTriggersDropped: [],
      };
      const exists = await schemaExists(client, names.schema);
      if (exists && !(await isInstalled(client, names.schema))) {
        throw new InstallError(`schema ${names.schema} exists but is not a pg-eventlog install (no ${names.schema}.migrations); nothing was dropped`, 'FOREIGN_SCHEMA');
      }
      await client.query('BEGIN');
      try {
        if (exists) {
          const inventory = await readInventory(client, names.schema);
          if (!inventory) {
            throw new InstallError(
              `schema ${names.schema} has no record of the objects pg-eventlog created (${names.schema}.${INVENTORY_TABLE} is missing: installed by an older version); nothing was dropped (run pg-eventlog install once to record everything now in the schema as pg-eventlog's, then uninstall)`,
              'NO_INVENTORY',
            );
          }
          const objects = await schemaObjects(client, names.schema);
          const foreign = foreignObjects(objects, inventory);
          if (foreign.length) {
            throw new InstallError(
              `uninstalling schema ${names.schema} would drop objects pg-eventlog did not create: ${listForMessage(foreign)}; nothing was dropped (move or drop them first)`,
              'FOREIGN_OBJECTS',
            );
          }
          // Database-level objects whose function is ours go first, so none of them sees the drop.
          for (const o of objects) {
            if (!o.name.startsWith('event trigger ')) continue;
            const trigger = o.name.slice('event trigger '.length);
            await client.query(`DROP EVENT TRIGGER ${trigger}`); // the identity is already quoted
            result.eventTriggersDropped.push(trigger.replace(/^"(.*)"$/, '$1').replace(/""/g, '"'));
          }
          await client.query(`DROP SCHEMA ${quoteIdent(names.schema)} CASCADE`);
          result.schemaDropped = true;
          // Install set the database default of <schema>.synchronous_cursors (migration 0027), when it could.
          await client.query('SAVEPOINT reset_setting');
          try {
            const db = (await client.query<{ name: string }>('SELECT current_database() AS name')).rows[0]!.name;
            await client.query(`ALTER DATABASE ${quoteIdent(db)} RESET ${quoteIdent(names.schema)}.synchronous_cursors`);
            await client.query('RELEASE SAVEPOINT reset_setting');
          } catch (err) {
            if ((err as { code?: string }).code !== '42501') throw err;
            await client.query('ROLLBACK TO SAVEPOINT reset_setting');
          }
        }
        for (const role of roleNames(names)) {
          const members = await client.query<{ member: string }>(
            `SELECT m.rolname AS member
               FROM pg_catalog.pg_auth_members AS am
               JOIN pg_catalog.pg_roles AS r ON r.oid = am.roleid
               JOIN pg_catalog.pg_roles AS m ON m.oid = am.member
              WHERE r.rolname = $1
              ORDER BY 1`,
            [role],
          );
          if ((await client.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [role])).rowCount === 0) continue;
          await client.query('SAVEPOINT drop_role');
          try {
            await client.query(`DROP ROLE ${quoteIdent(role)}`);
            await client.query('RELEASE SAVEPOINT drop_role');
            result.rolesDropped.push(role);
            result.membershipsRemoved.push(...members.rows.map((m) => `${m.member} -> ${role}`));
          } catch (err) {
            await client.query('ROLLBACK TO SAVEPOINT drop_role');
            const e = err as pg.DatabaseError;
            result.rolesKept.push({ role, reason: oneLine([e.message, e.detail].filter(Boolean).join(': ')) });
          }
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        if (err instanceof InstallError) throw err;
        throw new InstallError(`uninstall failed, nothing was dropped: ${oneLine(errorText(err))}`);
      }
      // Memberships among our own dropped roles are not worth reporting.
      const ours = new Set(result.rolesDropped);
      result.membershipsRemoved = result.membershipsRemoved.filter((m) => !ours.has(m.split(' -> ')[0]));
      return result;
    }),
  );
}

// ---------------------------------------------------------------------------------------------

async function schemaExists(client: pg.Client, schema: string): Promise<boolean> {
  return (await client.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [schema])).rowCount === 1;
}

/**
 * pg-eventlog is installed in `schema` when it has our bookkeeping: `<schema>.migrations` and the
 * inventory, or (an install made before the inventory existed) a `migrations` table whose first
 * migration is ours. Another tool's `migrations` table in a schema of that name does not count.
 */
async function isInstalled(client: pg.Client, schema: string): Promise<boolean> {
  const r = await client.query<{ t: string | null }>('SELECT pg_catalog.to_regclass($1)::text AS t', [`${quoteIdent(schema)}.migrations`]);
  if (r.rows[0].t === null) return false;
  if (await hasInventory(client, schema)) return true;
  const first = await client
    .query(`SELECT 1 FROM ${quoteIdent(schema)}.migrations WHERE id = 1 AND name = 'create-schema'`)
    .catch(() => ({ rowCount: 0 }));
  return first.rowCount === 1;
}

async function readVersion(client: pg.Client, schema: string): Promise<string | null> {
  const fn = `${quoteIdent(schema)}.version()`;
  const r = await client.query<{ f: string | null }>('SELECT pg_catalog.to_regprocedure($1)::text AS f', [fn]);
  if (r.rows[0].f === null) return null;
  return (await client.query<{ v: string }>(`SELECT ${fn} AS v`)).rows[0].v;
}

async function withInstallLock<T>(client: pg.Client, fn: () => Promise<T>): Promise<T> {
  await client.query('SELECT pg_catalog.pg_advisory_lock($1::bigint)', [INSTALL_LOCK_KEY]);
  try {
    return await fn();
  } finally {
    await client.query('SELECT pg_catalog.pg_advisory_unlock($1::bigint)', [INSTALL_LOCK_KEY]).catch(() => {});
  }
}

/** Connects (unless given a client), runs `fn`, and turns connection failures into one clear line. */
export async function withConnection<T>(options: ConnectionOptions, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  if (options.client) return fn(options.client);
  const url = options.databaseUrl ?? process.env.DATABASE_URL;
  if (url !== undefined && !/^(postgres|postgresql|socket):\/\//.test(url)) {
    throw new InstallError(`invalid database URL "${redact(url)}": expected postgres://user@host:port/database`);
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 15_000, application_name: 'pg-eventlog' });
  client.on('error', () => {}); // a dropped connection surfaces as a failed query instead
  try {
    await client.connect();
  } catch (err) {
    const where = url ? redact(url) : describeEnv();
    throw new InstallError(`cannot connect to ${where}: ${oneLine(errorText(err))}`);
  }
  try {
    return await fn(client);
  } catch (err) {
    if (err instanceof InstallError) throw err;
    throw new InstallError(oneLine(errorText(err)));
  } finally {
    await client.end().catch(() => {});
  }
}

function errorText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length) return (err.errors[0] as Error).message || String(err);
  const e = err as Error & { code?: string };
  return e.message || e.code || String(err);
}

function describeEnv(): string {
  const e = process.env;
  return `the database from PG* variables (host ${e.PGHOST ?? 'default socket'}, port ${e.PGPORT ?? '5432'}, database ${e.PGDATABASE ?? e.PGUSER ?? 'default'})`;
}

function redact(url: string): string {
  return url.replace(/(:\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}

export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
