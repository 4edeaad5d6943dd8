// What pg-eventlog created in its schema, so that uninstall drops nothing else.
//
// "The objects of a schema" are what `DROP SCHEMA … CASCADE` would remove: every object that
// depends on the schema (pg_depend), and transitively everything that depends on those — inside
// the schema or outside it (a view in another schema over our table, a column of our type in a
// user's table, an event trigger calling our function) — plus the owner of anything that is an
// internal part of such an object (a view, for its _RETURN rule). Each is named by
// pg_identify_object (type and identity, both stable across dump and restore).
//
// The installer records these names in `<schema>.installed_objects`: on a first install (and the
// bundle) everything present once the migrations ran; on later runs what the migrations added,
// minus what they dropped. So no hand-kept list goes stale when a migration adds a table, a
// function or an event trigger. See docs/install.md#what-is-ours.
import type pg from 'pg';
import { quoteIdent } from './migrations.ts';

/** The table, in the install schema, holding the names of the objects pg-eventlog created. */
export const INVENTORY_TABLE = 'installed_objects';

/** One object that DROP SCHEMA … CASCADE would remove. */
export interface SchemaObject {
  /** `<type> <identity>` from pg_identify_object, e.g. `table eventlog.events`. */
  name: string;
  /** Names of the objects this one is an automatic, internal, extension or partition part of (an index: its table; a column's constraint: the table; an index of a partition: the partitioned index). */
  partOf: string[];
}

/** `<type> <identity>` of an object address, as SQL over columns classid, objid, objsubid. */
const NAME = `(SELECT pg_catalog.concat_ws(' ', i.type, i.identity) FROM pg_catalog.pg_identify_object(%c.classid, %c.objid, %c.objsubid) AS i)`;
const nameOf = (alias: string) => NAME.replaceAll('%c', alias);

/**
 * SQL selecting (name, part_of) for every object DROP SCHEMA … CASCADE would remove, the schema
 * itself and the implicit TOAST objects excepted. `schema` is an SQL expression: `$1` or a literal.
 */
export function schemaObjectsSql(schema: string): string {
  return `WITH RECURSIVE closure (classid, objid, objsubid) AS (
  SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass::pg_catalog.oid, n.oid, 0
  FROM pg_catalog.pg_namespace AS n
  WHERE n.nspname = ${schema}
  UNION
  SELECT e.classid, e.objid, e.objsubid
  FROM closure AS c
  CROSS JOIN LATERAL (
    SELECT d.classid, d.objid, d.objsubid
    FROM pg_catalog.pg_depend AS d
    WHERE d.refclassid = c.classid AND d.refobjid = c.objid AND (c.objsubid = 0 OR d.refobjsubid = c.objsubid)
    UNION ALL
    SELECT d.refclassid, d.refobjid, 0
    FROM pg_catalog.pg_depend AS d
    WHERE d.classid = c.classid AND d.objid = c.objid AND d.objsubid = c.objsubid AND d.deptype = 'i'
  ) AS e
)
SELECT ${nameOf('c')} AS name,
  ARRAY(
    SELECT ${nameOf('o')}
    FROM (SELECT d.refclassid AS classid, d.refobjid AS objid, 0 AS objsubid
          FROM pg_catalog.pg_depend AS d
          WHERE d.classid = c.classid AND d.objid = c.objid AND d.objsubid = c.objsubid
            AND d.deptype IN ('a', 'i', 'e', 'P')) AS o
  ) AS part_of
FROM closure AS c
WHERE c.classid <> 'pg_catalog.pg_namespace'::pg_catalog.regclass
  AND (SELECT i.schema FROM pg_catalog.pg_identify_object(c.classid, c.objid, c.objsubid) AS i) IS DISTINCT FROM 'pg_toast'`;
}

/** CREATE TABLE for the inventory (IF NOT EXISTS), with its comment. */
export function inventoryTableSql(schemaIdent: string): string {
  return `CREATE TABLE IF NOT EXISTS ${schemaIdent}.${INVENTORY_TABLE} (
  object_name text PRIMARY KEY
);
COMMENT ON TABLE ${schemaIdent}.${INVENTORY_TABLE} IS
  'Written by the pg-eventlog installer: every object its migrations created; uninstall refuses to drop anything else.'`;
}

export async function schemaObjects(client: pg.Client, schema: string): Promise<SchemaObject[]> {
  const r = await client.query<{ name: string; part_of: string[] }>(schemaObjectsSql('$1') + '\nORDER BY 1', [schema]);
  return r.rows.map((row) => ({ name: row.name, partOf: row.part_of }));
}

export async function hasInventory(client: pg.Client, schema: string): Promise<boolean> {
  const r = await client.query<{ t: string | null }>('SELECT pg_catalog.to_regclass($1)::text AS t', [`${quoteIdent(schema)}.${INVENTORY_TABLE}`]);
  return r.rows[0].t !== null;
}

/** The recorded names, or null when the schema has no inventory table. */
export async function readInventory(client: pg.Client, schema: string): Promise<Set<string> | null> {
  if (!(await hasInventory(client, schema))) return null;
  const r = await client.query<{ object_name: string }>(`SELECT object_name FROM ${quoteIdent(schema)}.${INVENTORY_TABLE}`);
  return new Set(r.rows.map((row) => row.object_name));
}

/**
 * Records what the migrations left. With `before` (the objects present before they ran, on an
 * install that already had an inventory): the recorded objects still present, plus everything
 * new. Without it: every object of the schema now.
 */
export async function recordInventory(client: pg.Client, schema: string, before: Set<string> | null): Promise<void> {
  const ident = quoteIdent(schema);
  await client.query('BEGIN');
  try {
    await client.query(inventoryTableSql(ident));
    const now = (await schemaObjects(client, schema)).map((o) => o.name);
    const recorded = before ? ((await readInventory(client, schema)) ?? new Set<string>()) : new Set<string>();
    const ours = before ? now.filter((n) => recorded.has(n) || !before.has(n)) : now;
    await client.query(`DELETE FROM ${ident}.${INVENTORY_TABLE}`);
    await client.query(`INSERT INTO ${ident}.${INVENTORY_TABLE} (object_name) SELECT pg_catalog.unnest($1::text[])`, [ours]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/**
 * The objects not in `inventory`, as a person would list them: a part of another listed object
 * (the index of a foreign table, a view's rule, a table's row type) is left out.
 */
export function foreignObjects(objects: SchemaObject[], inventory: Set<string>): string[] {
  const foreign = new Set(objects.filter((o) => !inventory.has(o.name)).map((o) => o.name));
  return objects.filter((o) => foreign.has(o.name) && !o.partOf.some((p) => foreign.has(p))).map((o) => o.name);
}

/** "a, b, c and 4 more" */
export function listForMessage(names: string[], max = 8): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}
