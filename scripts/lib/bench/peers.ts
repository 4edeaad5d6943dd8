// The peers make bench measures beside pg-eventlog, installed into the bench's scratch database at
// bench time from their own packages (never copied into this repository), and the checks that
// decide whether each append row can run. Whatever cannot run is reported with its reason and
// shown as n/a, never left out.
//
//   Message DB  npm @eventide/message-db (a devDependency, pinned in package-lock.json): its own
//               database/install.sh, told to use the scratch database (CREATE_DATABASE=off). It
//               creates the role message_store (if missing) and the schema message_store.
//   PgQ         Debian postgresql-<major>-pgq3: CREATE EXTENSION pgq (needs a superuser), then
//               pgq.create_queue('bench'). Its ticker is not needed for appends.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { findPostgresBindir, pgEnv, withClient } from '../database.ts';
import type { AppendImplementation } from './append.ts';

export interface Peer {
  name: string;
  /** What was installed, e.g. "1.3.0 (npm @eventide/message-db 1.3.1)"; null when not installed. */
  version: string | null;
  /** Why it is n/a; null when installed. */
  reason: string | null;
}

const lastLine = (text: string) => text.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';

/** The directory of the installed @eventide/message-db package, or undefined (resolved like an import: node_modules, NODE_PATH). */
export function messageDbPackage(): string | undefined {
  try {
    return path.dirname(createRequire(import.meta.url).resolve('@eventide/message-db/package.json'));
  } catch {
    return undefined;
  }
}

/** Runs Message DB's own installer against the database behind url. */
export async function installMessageDb(url: string, database: string): Promise<Peer> {
  const name = 'Message DB';
  const dir = messageDbPackage();
  if (!dir) return { name, version: null, reason: 'npm package @eventide/message-db is not installed (a devDependency: run npm ci)' };
  const installer = path.join(dir, 'database', 'install.sh');
  if (!existsSync(installer)) return { name, version: null, reason: `${installer} is missing from the npm package` };
  const npmVersion = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version as string;
  const schemaVersion = readFileSync(path.join(dir, 'database', 'VERSION.txt'), 'utf8').trim();
  const bindir = await findPostgresBindir();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...pgEnv(url),
    DATABASE_NAME: database,
    CREATE_DATABASE: 'off',
    PGOPTIONS: '-c client_min_messages=warning',
    PATH: [bindir, process.env.PATH].filter(Boolean).join(path.delimiter),
  };
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('bash', [installer], { env, cwd: path.dirname(installer), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => resolve({ code: -1, output: e.message }));
    child.on('close', (c) => resolve({ code: c, output: out }));
  });
  if (code !== 0) return { name, version: null, reason: `its install.sh failed (exit ${code}): ${lastLine(output)}` };
  return { name, version: `${schemaVersion} (npm @eventide/message-db ${npmVersion})`, reason: null };
}

/** CREATE EXTENSION pgq and a queue named bench. */
export async function installPgq(url: string): Promise<Peer> {
  const name = 'PgQ';
  return withClient(url, async (c) => {
    try {
      await c.query('CREATE EXTENSION IF NOT EXISTS pgq');
      await c.query(`SELECT pgq.create_queue('bench')`);
      const version = (await c.query(`SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pgq'`)).rows[0].extversion as string;
      return { name, version, reason: null };
    } catch (err) {
      const hint = /could not open extension control file|is not available/.test((err as Error).message)
        ? ' (install the Debian package postgresql-<major>-pgq3 on the server)'
        : '';
      return { name, version: null, reason: `CREATE EXTENSION pgq failed: ${(err as Error).message}${hint}` };
    }
  });
}

/**
 * Why each append implementation cannot run here, if it cannot: a peer that is not installed, a
 * role the bench's user cannot take, or a pg-eventlog path this database does not have yet.
 */
export async function unavailableAppends(url: string, peers: { messageDb: Peer; pgq: Peer }): Promise<Partial<Record<AppendImplementation, string>>> {
  const out: Partial<Record<AppendImplementation, string>> = {};
  if (peers.messageDb.reason) out.messagedb = out['messagedb-versioned'] = peers.messageDb.reason;
  if (peers.pgq.reason) out.pgq = peers.pgq.reason;
  await withClient(url, async (c) => {
    const memberOf = async (role: string) =>
      (await c.query(`SELECT pg_catalog.to_regrole($1) IS NOT NULL AND pg_catalog.pg_has_role(current_user, $1, 'MEMBER') AS yes`, [role])).rows[0].yes as boolean;
    const writer = (await memberOf('eventlog_writer')) ? null : `the bench's user cannot SET ROLE eventlog_writer`;
    if (writer) out.insert = out.eventlog = out.stream = writer;
    if (!out.messagedb && !(await memberOf('message_store'))) out.messagedb = out['messagedb-versioned'] = `the bench's user cannot SET ROLE message_store`;
    if (!out.pgq && !(await memberOf('pgq_writer'))) out.pgq = `the bench's user cannot SET ROLE pgq_writer`;

    const stream = (await c.query(`
      SELECT p.proretset AS set_returning
      FROM pg_catalog.pg_proc AS p
      WHERE p.oid = pg_catalog.to_regprocedure('eventlog.append_to_stream(text, jsonb, integer, text)')`)).rows[0];
    if (!out.stream && !stream) out.stream = 'eventlog.append_to_stream(text, jsonb, integer, text) is not installed (issue 10)';
    else if (!out.stream && !stream.set_returning) out.stream = 'append_to_stream does not return the new rows; adjust bench/append-stream-*.sql';

    // The INSERT path needs the database to fill tx_order (and more) for eventlog_writer: try one
    // INSERT and roll it back (it leaves a hole in the etag sequence, as any rolled-back append does).
    if (!out.insert) {
      try {
        await c.query('BEGIN');
        await c.query('SET LOCAL ROLE eventlog_writer');
        await c.query(`INSERT INTO eventlog.events (payload) VALUES ('{"probe": true}')`);
      } catch (err) {
        out.insert = `INSERT INTO eventlog.events as eventlog_writer failed: ${(err as Error).message}`;
      } finally {
        await c.query('ROLLBACK');
      }
    }
  });
  return out;
}
