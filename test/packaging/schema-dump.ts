// The normalised `pg_dump --schema-only` that the convergence test compares between deliveries.
//
// What the normalisation removes, and why (docs/install.md#convergence says the same):
//   * an extension install's membership: pg_dump prints only `CREATE EXTENSION` for an extension's
//     objects, so the dump is taken of a copy of the database in which every member was released
//     from the extension (ALTER EXTENSION … DROP …), its pg_init_privs rows removed (else pg_dump
//     prints only the grants made after the script) and the then empty extension dropped;
//   * the CLI's and the bundle's bookkeeping, `eventlog.migrations` and `eventlog.installed_objects`
//     (with their constraints and comments): an extension install keeps that state in pg_extension;
//   * pg_dump's `\restrict`/`\unrestrict` lines, which carry a random key per run;
//   * the order of the dump's entries (each entry is compared whole, as a sorted list).
// Nothing else: every other table, column, function body, trigger, grant and comment must match.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { databaseUrl, pgEnv } from '../../scripts/lib/database.ts';
import { run } from '../lib/db.ts';
import { withDb } from './lib.ts';

export const BOOKKEEPING = ['migrations', 'installed_objects'];

/** The dump of `url`, split into entries (one per object) and normalised as described above. */
export async function normalisedSchema(url: string): Promise<string[]> {
  const isExtension = await withDb(url, async (c) => (await c.query("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_eventlog'")).rowCount === 1);
  let target = url;
  let drop = async () => {};
  if (isExtension) {
    const copy = `pgel_dissolved_${randomBytes(4).toString('hex')}`;
    const source = decodeURIComponent(new URL(url).pathname.slice(1));
    const admin = databaseUrl(url, 'postgres');
    await withDb(admin, (c) => c.query(`CREATE DATABASE ${copy} TEMPLATE ${pg.escapeIdentifier(source)}`));
    drop = () => withDb(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${copy} WITH (FORCE)`)).then(() => {});
    target = databaseUrl(url, copy);
    await withDb(target, dissolveExtension);
  }
  try {
    const r = await run('pg_dump', ['--schema-only', '--no-publications', '--no-subscriptions', target], { ...process.env, ...pgEnv(target) });
    if (r.code !== 0) throw new Error(`pg_dump failed: ${r.stderr}`);
    return normaliseDump(r.stdout);
  } finally {
    await drop();
  }
}

/** Releases every member of pg_eventlog (so pg_dump prints it like any object) and drops the empty extension. */
async function dissolveExtension(c: pg.Client): Promise<void> {
  const { rows } = await c.query<{ kind: string; identity: string; classid: string; objid: string }>(`
    SELECT upper(i.type) AS kind, i.identity, d.classid::oid::text AS classid, d.objid::text AS objid
    FROM pg_catalog.pg_depend AS d
    JOIN pg_catalog.pg_extension AS x ON x.oid = d.refobjid AND x.extname = 'pg_eventlog'
    CROSS JOIN LATERAL pg_catalog.pg_identify_object(d.classid, d.objid, d.objsubid) AS i
    WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'
    ORDER BY (i.type = 'schema'), d.objid DESC`);
  await c.query('BEGIN');
  for (const o of rows) {
    await c.query(`ALTER EXTENSION pg_eventlog DROP ${o.kind} ${o.identity}`);
    await c.query('DELETE FROM pg_catalog.pg_init_privs WHERE classoid = $1::oid AND objoid = $2::oid', [o.classid, o.objid]);
  }
  await c.query('DROP EXTENSION pg_eventlog');
  await c.query('COMMIT');
}

export function normaliseDump(dump: string): string[] {
  const lines = dump.split('\n').filter((l) => !/^\\(un)?restrict /.test(l));
  // pg_dump starts each object with "--\n-- Name: …; Type: …; Schema: …; Owner: …\n--".
  const entries: string[] = [];
  let current: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '--' && /^-- (Data for )?Name: /.test(lines[i + 1] ?? '') && lines[i + 2] === '--') {
      entries.push(current.join('\n').trim());
      current = [];
    }
    current.push(lines[i]);
  }
  entries.push(current.join('\n').trim());
  const bookkeeping = new RegExp(`^-- Name: .*\\b(${BOOKKEEPING.join('|')})\\b.*; Schema: eventlog;`, 'm');
  return entries.filter((e) => e !== '' && !bookkeeping.test(e)).sort();
}
