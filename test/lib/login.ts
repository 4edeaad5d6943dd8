// A LOGIN role of a test's own that is a member of the given roles only (e.g. eventlog_writer):
// what an application connects as. Roles belong to the whole cluster, so each one gets a random
// name and a password (for servers that do not trust loopback connections), and is dropped at
// teardown after its connections are closed.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { databaseUrl, pgEnv, quoteIdent, withClient } from '../../scripts/lib/database.ts';
import type { TestLike } from './db.ts';

export interface LoginRole {
  /** The role's name (pgel_login_…). */
  name: string;
  /** `databaseUrl` with this role's name and password. */
  url: string;
  /** DATABASE_URL and PG* variables for `url`, merged into process.env: for psql and other child processes. */
  env: NodeJS.ProcessEnv;
  /** A new client connected as this role (statement_timeout 60 s); closed at teardown. */
  connect(): Promise<pg.Client>;
}

/**
 * Creates a LOGIN role that is a member of `memberOf` and nothing else, able to connect to the
 * database at `databaseUrlAsSuperuser`. Dropped at `t`'s teardown.
 */
export async function loginRole(t: TestLike, databaseUrlAsSuperuser: string, memberOf: string[]): Promise<LoginRole> {
  const name = `pgel_login_${randomBytes(5).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const adminUrl = databaseUrl(databaseUrlAsSuperuser, 'postgres');
  await withClient(databaseUrlAsSuperuser, (c) =>
    c.query(`CREATE ROLE ${quoteIdent(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}' IN ROLE ${memberOf.map(quoteIdent).join(', ')}`));
  const clients: pg.Client[] = [];
  t.teardown(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    // The cluster may already be gone (a throwaway cluster stopped by an earlier teardown): then
    // so is the role.
    await withClient(adminUrl, (c) => c.query(`DROP ROLE IF EXISTS ${quoteIdent(name)}`)).catch(() => {});
  });
  const u = new URL(databaseUrlAsSuperuser);
  u.username = name;
  u.password = password;
  const url = u.toString();
  return {
    name,
    url,
    env: { ...process.env, ...pgEnv(url) },
    async connect() {
      const client = new pg.Client({ connectionString: url, statement_timeout: 60_000 });
      client.on('error', () => {});
      clients.push(client);
      await client.connect();
      return client;
    },
  };
}
