// Converts a log installed before partitioning (eventlog.events a plain table, the 38 migrations
// of the pre-partition product) into what a fresh install of this version is, in one
// transaction, keeping every event, cursor, stream, snapshot, idempotency key and tracked table.
// docs/partitions.md, "Converting a log installed before partitioning", says why it is built so:
//
//   1. take ACCESS EXCLUSIVE on every table of the old install (writers and readers wait);
//   2. drop the old DDL guard, detach the old events table from what the old schema gives it
//      (triggers, defaults, the sequence's ownership, grants, comments), rename its indexes to the
//      names a range partition gets, add a validated CHECK on the first partition's range;
//   3. rename the old schema aside and install this version's migrations into the schema, as the
//      installer would (the same files, the same rows in <schema>.migrations), but in this
//      transaction;
//   4. copy the small tables and the sequence positions; replace the new, empty first range
//      partition by the old table (ATTACH PARTITION finds the CHECK and scans nothing; the
//      indexes are attached, not built), recreate the capture triggers of tracked tables;
//   5. drop the old schema, record the inventory, commit.
//
// Nothing is committed before the end: a failure anywhere leaves the old install as it was.
import pg from 'pg';
import {
  DEFAULT_SCHEMA,
  defaultMigrationsDir,
  InstallError,
  isDefault,
  loadMigrations,
  quoteIdent,
  resolveNames,
  type Migration,
} from '../install/migrations.ts';
import { foreignObjects, inventoryTableSql, INVENTORY_TABLE, listForMessage, readInventory, schemaObjects, schemaObjectsSql } from '../install/inventory.ts';
import { INSTALL_LOCK_KEY, withConnection, type ConnectionOptions } from '../install/index.ts';
import { PRE_PARTITION_MIGRATIONS } from './pre-partition-migrations.ts';

export interface ConvertOptions extends ConnectionOptions {
  schema?: string;
  rolePrefix?: string;
  /**
   * Etags per range partition of the converted log (default: the product's, 10,000,000). Every
   * old event must lie in the first range, so a log whose highest etag is at or above the default
   * needs a larger size; the conversion refuses with EL082 naming the smallest that fits.
   */
  partitionSize?: bigint | number;
  /** How long to wait for the old install's tables (open readers and writers), in ms (default 10 s). */
  lockTimeoutMs?: number;
  log?: (message: string) => void;
}

export interface ConvertResult {
  schema: string;
  /** false: nothing to do (the log is partitioned already). */
  converted: boolean;
  /** One line for a person. */
  message: string;
  events: number;
  clients: number;
  partition: string | null;
  partitionSize: string | null;
  /** Each DDL statement the conversion ran on the log and its partitions, in order. */
  logDdl: string[];
  /** The old install's schema, renamed aside and dropped after the commit (also by a later call, if that drop failed). */
  asideDropped: string | null;
}

/** The old install's tables whose rows the conversion copies (the same columns in both versions). */
export const CARRIED_TABLES = [
  'clock', 'streams', 'client_cursors', 'idempotency_keys', 'snapshots', 'tracked_tables', 'change_cursors',
] as const;

/** The schema the old install is renamed to while the conversion runs (dropped before commit). */
export const ASIDE_SUFFIX = '_preconvert';

/**
 * `code` is the error code: EL080 not a pg-eventlog install, EL081 an unpartitioned install of
 * another version than the pre-partition one, EL082 the old log does not fit the first partition,
 * EL083 objects outside the install depend on it.
 */
export class ConvertError extends InstallError {
  constructor(message: string, code: 'EL080' | 'EL081' | 'EL082' | 'EL083') {
    super(message, code);
    this.name = 'ConvertError';
  }
}

export async function convert(options: ConvertOptions = {}): Promise<ConvertResult> {
  const names = resolveNames(options.schema ?? DEFAULT_SCHEMA, options.rolePrefix);
  const log = options.log ?? (() => {});
  const wanted = await loadMigrations(defaultMigrationsDir, names);
  // Another schema or role prefix: the installer hashed rewritten files, so only ids and names count.
  const byHash = isDefault(names);
  const S = quoteIdent(names.schema);
  const aside = names.schema + ASIDE_SUFFIX;
  const A = quoteIdent(aside);
  return withConnection(options, async (client) => {
    await client.query('SELECT pg_catalog.pg_advisory_lock($1::bigint)', [INSTALL_LOCK_KEY]);
    try {
      await client.query('BEGIN');
      let r: ConvertResult;
      try {
        r = await convertIn(client);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
      if (await dropAside(client, aside, log)) {
        r.asideDropped = aside;
        if (!r.converted) r.message += `; dropped schema ${aside}, left by an earlier conversion`;
      }
      return r;
    } finally {
      await client.query('SELECT pg_catalog.pg_advisory_unlock($1::bigint)', [INSTALL_LOCK_KEY]).catch(() => {});
    }
  });

  async function convertIn(client: pg.Client): Promise<ConvertResult> {
    const q = async <R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]) =>
      (await client.query<R>(sql, params)).rows;
    const logDdl: string[] = [];
    const ddl = async (sql: string) => {
      logDdl.push(sql);
      await client.query(sql);
    };
    const nothing = (why: string): ConvertResult => ({ schema: names.schema, converted: false, message: why, events: 0, clients: 0, partition: null, partitionSize: null, logDdl, asideDropped: null });

    // What is there. Every refusal below happens before anything is changed.
    const kind = (await q<{ relkind: string | null; migrations: string | null }>(
      `SELECT (SELECT c.relkind::text FROM pg_catalog.pg_class AS c WHERE c.oid = pg_catalog.to_regclass($1)) AS relkind,
              pg_catalog.to_regclass($2)::text AS migrations`, [`${S}.events`, `${S}.migrations`]))[0];
    if (kind.migrations === null || kind.relkind === null) {
      throw new ConvertError(
        `schema ${names.schema} holds no pg-eventlog install (no ${names.schema}.migrations or ${names.schema}.events); nothing was changed (install with npx pg-eventlog install)`,
        'EL080');
    }
    if (kind.relkind === 'p') {
      return nothing(`${names.schema}.events is partitioned already; nothing to convert`);
    }
    await client.query('SAVEPOINT applied');
    const applied = await q<{ id: number; name: string; hash: string }>(`SELECT id, name, hash FROM ${S}.migrations WHERE id > 0 ORDER BY id`)
      .catch(async () => {
        await client.query('ROLLBACK TO SAVEPOINT applied');
        return [];
      });
    const mismatch = firstMismatch(applied, PRE_PARTITION_MIGRATIONS, byHash);
    if (kind.relkind !== 'r' || mismatch !== null) {
      throw new ConvertError(
        `schema ${names.schema} holds an unpartitioned pg-eventlog install that is not the pre-partition version (${mismatch ?? `${names.schema}.events is not a table`}); nothing was changed`,
        'EL081');
    }
    await client.query('SELECT pg_catalog.set_config($1, $2, true)', ['lock_timeout', `${options.lockTimeoutMs ?? 10_000}ms`]);
    // Writers and readers wait from here to the commit (a statement already waiting on one of these
    // tables resolves its names again once it gets the lock, and then finds the converted log).
    for (const table of ['events', ...CARRIED_TABLES, 'sanctioned_changes']) {
      await client.query(`LOCK TABLE ${S}.${quoteIdent(table)} IN ACCESS EXCLUSIVE MODE`);
    }

    // Objects outside the install that DROP SCHEMA would take with it: the capture triggers of
    // tracked tables are ours (recreated below); anything else (a view over the log, …) refuses.
    const inventory = (await readInventory(client, names.schema)) ?? new Set<string>();
    const captureTriggers = await q<{ tbl: string; tgname: string; def: string; enabled: string; object_name: string }>(
      `SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) AS tbl,
              (SELECT pg_catalog.concat_ws(' ', i.type, i.identity) FROM pg_catalog.pg_identify_object('pg_catalog.pg_trigger'::regclass, t.oid, 0) AS i) AS object_name, t.tgname::text AS tgname, pg_catalog.pg_get_triggerdef(t.oid) AS def, t.tgenabled::text AS enabled
       FROM pg_catalog.pg_trigger AS t
       JOIN pg_catalog.pg_proc AS p ON p.oid = t.tgfoid
       JOIN pg_catalog.pg_class AS c ON c.oid = t.tgrelid
       JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
       WHERE p.pronamespace = $1::regnamespace AND c.relnamespace <> $1::regnamespace AND NOT t.tgisinternal
       ORDER BY t.tgrelid, t.tgname`, [names.schema]);
    const captureNames = new Set(captureTriggers.map((t) => t.object_name));
    const foreign = foreignObjects(await schemaObjects(client, names.schema), inventory)
      .filter((o) => !captureNames.has(o) && !o.startsWith('event trigger '));
    if (foreign.length) {
      throw new ConvertError(
        `objects that pg-eventlog did not create depend on schema ${names.schema} or are in it: ${listForMessage(foreign)}; nothing was changed (move or drop them, convert, then make them again)`,
        'EL083');
    }
    const seq = (await q<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${S}.events_etag_seq`))[0];
    const maxEtag = BigInt((await q<{ m: string }>(`SELECT COALESCE(max(etag), 0)::text AS m FROM ${S}.events`))[0].m);
    const size = options.partitionSize === undefined ? null : BigInt(options.partitionSize);
    const firstSize = size ?? 10_000_000n;
    if (maxEtag >= firstSize) {
      throw new ConvertError(
        `the highest etag of ${names.schema}.events, ${maxEtag}, does not fit the first range partition (etags 0 to ${firstSize - 1n}); nothing was changed (convert with --partition-size ${maxEtag + 1n} or more, e.g. ${((maxEtag / 10_000_000n) + 1n) * 10_000_000n})`,
        'EL082');
    }

    // 2. The old table, made a plain table ready to be a partition.
    for (const e of await q<{ evtname: string }>(
      `SELECT e.evtname::text FROM pg_catalog.pg_event_trigger AS e JOIN pg_catalog.pg_proc AS p ON p.oid = e.evtfoid WHERE p.pronamespace = $1::regnamespace`, [names.schema])) {
      await ddl(`DROP EVENT TRIGGER ${quoteIdent(e.evtname)}`);
    }
    for (const t of captureTriggers) await client.query(`DROP TRIGGER ${quoteIdent(t.tgname)} ON ${t.tbl}`);
    for (const t of await q<{ tgname: string }>(`SELECT tgname::text FROM pg_catalog.pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal ORDER BY 1`, [`${S}.events`])) {
      await ddl(`DROP TRIGGER ${quoteIdent(t.tgname)} ON ${S}.events`);
    }
    await ddl(`ALTER SEQUENCE ${S}.events_etag_seq OWNED BY NONE`);
    for (const c of await q<{ attname: string }>(
      `SELECT a.attname::text FROM pg_catalog.pg_attribute AS a JOIN pg_catalog.pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = $1::regclass ORDER BY a.attnum`, [`${S}.events`])) {
      await ddl(`ALTER TABLE ${S}.events ALTER COLUMN ${quoteIdent(c.attname)} DROP DEFAULT`);
    }
    for (const c of await q<{ attname: string }>(
      `SELECT a.attname::text FROM pg_catalog.pg_attribute AS a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND pg_catalog.col_description(a.attrelid, a.attnum) IS NOT NULL ORDER BY a.attnum`, [`${S}.events`])) {
      await client.query(`COMMENT ON COLUMN ${S}.events.${quoteIdent(c.attname)} IS NULL`);
    }
    await client.query(`REVOKE ALL ON ${S}.events FROM PUBLIC, ${['writer', 'reader', 'admin'].map((r) => quoteIdent(`${names.rolePrefix}_${r}`)).join(', ')}`);

    // 3. The old schema aside, this version installed, in this transaction.
    await ddl(`ALTER SCHEMA ${S} RENAME TO ${A}`);
    log(`installing ${wanted.length - 1} migrations into schema ${names.schema}`);
    await installInTransaction(client, names.schema, wanted);
    if (size !== null) await client.query(`SELECT ${S}.set_partition_size($1::bigint)`, [size.toString()]);
    const partSize = BigInt((await q<{ s: string }>(`SELECT ${S}._partition_size()::text AS s`))[0].s);
    const part = (await q<{ n: string }>(`SELECT ${S}._partition_name(0) AS n`))[0].n;
    const P = `${S}.${quoteIdent(part)}`;

    // 4. State, then the old events as the first range partition.
    await client.query(`SELECT pg_catalog.setval($1::regclass, $2::bigint, $3)`, [`${S}.events_etag_seq`, seq.last_value, seq.is_called]);
    for (const table of CARRIED_TABLES) {
      const cols = (await q<{ c: string }>(
        `SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum) AS c FROM pg_catalog.pg_attribute AS a
         WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`, [`${A}.${quoteIdent(table)}`]))[0].c;
      await client.query(`DELETE FROM ${S}.${quoteIdent(table)}`);
      await client.query(`INSERT INTO ${S}.${quoteIdent(table)} (${cols}) SELECT ${cols} FROM ${A}.${quoteIdent(table)}`);
    }
    for (const s of await q<{ seq: string }>(
      `SELECT c.relname::text AS seq FROM pg_catalog.pg_class AS c WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'S' AND c.relname <> 'events_etag_seq'`, [aside])) {
      const v = (await q<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${A}.${quoteIdent(s.seq)}`))[0];
      if ((await q<{ t: string | null }>('SELECT pg_catalog.to_regclass($1)::text AS t', [`${S}.${quoteIdent(s.seq)}`]))[0].t !== null) {
        await client.query('SELECT pg_catalog.setval($1::regclass, $2::bigint, $3)', [`${S}.${quoteIdent(s.seq)}`, v.last_value, v.is_called]);
      }
    }
    const empty = (await q<{ n: string }>(`SELECT count(*)::text AS n FROM ${P}`))[0].n;
    if (empty !== '0') throw new Error(`the new ${part} holds ${empty} events`);
    // The DDL guard refuses a DROP or a hand ATTACH of the log's partitions; this swap is sanctioned.
    await ddl(`SELECT ${S}._begin_sanctioned_change('DDL', 'convert')`);
    await ddl(`DROP TABLE ${P}`);
    await ddl(`ALTER TABLE ${A}.events RENAME TO ${quoteIdent(part)}`);
    await ddl(`ALTER TABLE ${A}.${quoteIdent(part)} RENAME CONSTRAINT events_pkey TO ${quoteIdent(`${part}_pkey`)}`);
    await ddl(`ALTER INDEX ${A}.events_log_order_idx RENAME TO ${quoteIdent(`${part}_tx_order_etag_idx`)}`);
    await ddl(`ALTER INDEX ${A}.events_stream_version_idx RENAME TO ${quoteIdent(`${part}_stream_version_idx`)}`);
    const check = `${part}_convert_range`;
    await ddl(`ALTER TABLE ${A}.${quoteIdent(part)} ADD CONSTRAINT ${quoteIdent(check)} CHECK (etag >= 0 AND etag < ${partSize})`);
    await ddl(`ALTER TABLE ${A}.${quoteIdent(part)} SET SCHEMA ${S}`);
    await client.query(`SELECT ${S}._guard_partition($1::regclass)`, [`${S}.${quoteIdent(part)}`]);
    logDdl.push(`SELECT ${S}._guard_partition('${S}.${quoteIdent(part)}')`);
    await client.query(`COMMENT ON TABLE ${P} IS ${pg.escapeLiteral(`Partition of ${names.schema}.events: etags 0 to ${partSize - 1n}.`)}`);
    await ddl(`ALTER TABLE ${S}.events ATTACH PARTITION ${P} FOR VALUES FROM (0) TO (${partSize})`);
    await ddl(`ALTER TABLE ${P} DROP CONSTRAINT ${quoteIdent(check)}`);
    await ddl(`SELECT ${S}._end_sanctioned_change('DDL')`);
    for (const t of captureTriggers) {
      // pg_get_triggerdef named the functions by the schema before it was renamed aside.
      await client.query(t.def);
      if (t.enabled !== 'O') {
        const how = { A: 'ENABLE ALWAYS', R: 'ENABLE REPLICA', D: 'DISABLE' }[t.enabled] ?? 'ENABLE';
        await client.query(`ALTER TABLE ${t.tbl} ${how} TRIGGER ${quoteIdent(t.tgname)}`);
      }
    }
    await client.query(`SELECT count(*) FROM ${S}.ensure_partitions()`);

    // 5. The old functions keep their oids but only refuse: a call that resolved one before the
    // locks were granted and waited runs it after the commit, and gets EL084 instead of
    // "cache lookup failed" (XX000). The schema aside is dropped after the commit (dropAside).
    const tombstones = await q<{ sql: string }>(
      `SELECT pg_catalog.format('CREATE OR REPLACE FUNCTION %s(%s) RETURNS %s LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS %L',
                p.oid::regproc, pg_catalog.pg_get_function_arguments(p.oid), pg_catalog.pg_get_function_result(p.oid),
                pg_catalog.format('BEGIN RAISE EXCEPTION %L USING ERRCODE = %L, HINT = %L; END',
                  pg_catalog.format('%s was called while pg-eventlog converted the log to partitions, and the old function is gone; nothing was done', p.proname),
                  'EL084', 'Call it again: the next call runs on the converted log.')) AS sql
       FROM pg_catalog.pg_proc AS p
       WHERE p.pronamespace = $1::regnamespace AND p.prokind = 'f'
         AND p.prorettype NOT IN ('pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype)
       ORDER BY p.oid`, [aside]);
    for (const t of tombstones) await client.query(t.sql);
    await client.query(inventoryTableSql(S));
    await client.query(`DELETE FROM ${S}.${INVENTORY_TABLE}`);
    await client.query(`INSERT INTO ${S}.${INVENTORY_TABLE} (object_name) SELECT s.name FROM (${schemaObjectsSql('$1')}) AS s`, [names.schema]);

    const events = Number((await q<{ n: string }>(`SELECT count(*)::text AS n FROM ${P}`))[0].n);
    const clients = Number((await q<{ n: string }>(`SELECT count(*)::text AS n FROM ${S}.client_cursors`))[0].n);
    return {
      schema: names.schema,
      converted: true,
      message: `converted ${names.schema}.events to the partitioned log of pg-eventlog ${(await q<{ v: string }>(`SELECT ${S}.version() AS v`))[0].v}: ${events} events kept in ${part} (etags 0 to ${partSize - 1n}), ${clients} client cursor rows kept`,
      events,
      clients,
      partition: `${names.schema}.${part}`,
      partitionSize: partSize.toString(),
      logDdl,
      asideDropped: null,
    };
  }
}

/**
 * Drops the old install's schema, renamed aside by a committed conversion, once the calls that
 * were queued behind the conversion have been answered (EL084 by the old functions, or their
 * statement ran on the converted log): it waits, at most 10 s, until no other session of the
 * database is running a statement it started before the conversion committed. Nothing to do
 * when there is no such schema (one that holds the old bookkeeping but no events table any more).
 * Returns whether it dropped one.
 */
async function dropAside(client: pg.Client, aside: string, log: (m: string) => void): Promise<boolean> {
  const exists = await client.query(
    `SELECT 1 FROM pg_catalog.pg_namespace AS n WHERE n.nspname = $1
       AND pg_catalog.to_regclass(pg_catalog.format('%I.migrations', n.nspname)) IS NOT NULL
       AND pg_catalog.to_regclass(pg_catalog.format('%I.events', n.nspname)) IS NULL`, [aside]);
  if (exists.rowCount === 0) return false;
  const since = (await client.query<{ now: Date }>('SELECT pg_catalog.clock_timestamp() AS now')).rows[0].now;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const queued = await client.query(
      `SELECT 1 FROM pg_catalog.pg_stat_activity
       WHERE datname = pg_catalog.current_database() AND pid <> pg_catalog.pg_backend_pid() AND state = 'active' AND query_start < $1`, [since]);
    if (queued.rowCount === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  log(`dropping schema ${aside}`);
  await client.query(`DROP SCHEMA ${quoteIdent(aside)} CASCADE`);
  return true;
}

/**
 * Runs `migrations` as postgres-migrations would (each file's SQL with search_path set to the
 * schema, a row in <schema>.migrations with its id, name and hash), but inside the caller's
 * transaction: the runner commits each file, and the conversion must be all or nothing.
 */
async function installInTransaction(client: pg.Client, schema: string, migrations: Migration[]): Promise<void> {
  const S = quoteIdent(schema);
  await client.query(`CREATE SCHEMA ${S}`);
  await client.query(`CREATE TABLE ${S}.migrations (
  id integer PRIMARY KEY,
  name varchar(100) UNIQUE NOT NULL,
  hash varchar(40) NOT NULL,
  executed_at timestamp DEFAULT current_timestamp
)`);
  const saved = (await client.query<{ search_path: string }>('SHOW search_path')).rows[0].search_path;
  await client.query(`SET LOCAL search_path TO ${S}`);
  for (const m of migrations) {
    if (m.id > 0) await client.query(m.sql);
    await client.query(`INSERT INTO ${S}.migrations (id, name, hash) VALUES ($1, $2, $3)`, [m.id, m.name, m.hash]);
  }
  await client.query('SELECT pg_catalog.set_config($1, $2, true)', ['search_path', saved]);
}

function firstMismatch(applied: { id: number; name: string; hash: string }[], expected: readonly { id: number; name: string; hash: string }[], byHash: boolean): string | null {
  if (applied.length !== expected.length) {
    return `${applied.length} migrations applied, the pre-partition version has ${expected.length}`;
  }
  for (let i = 0; i < expected.length; i++) {
    const a = applied[i];
    const e = expected[i];
    if (a.id !== e.id || a.name !== e.name || (byHash && a.hash !== e.hash)) return `migration ${a.id} ${a.name} differs`;
  }
  return null;
}
