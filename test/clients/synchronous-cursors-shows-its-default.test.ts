// SHOW eventlog.synchronous_cursors prints the default in every new session after install
// (migration 0027 sets it for the database), and uninstall takes the setting away again.
import t from 'tap';
import type pg from 'pg';
import { randomBytes } from 'node:crypto';
import { uninstall } from '../../src/install/index.ts';
import { freshDatabase } from '../lib/db.ts';

t.test('SHOW prints the default after install, and the setting goes with uninstall', async (t) => {
  const rolePrefix = `pgel_t${randomBytes(4).toString('hex')}`;
  const db = await freshDatabase(t, { install: { rolePrefix } });

  const session = await db.connect();
  const shown = await session.query('SHOW eventlog.synchronous_cursors');
  t.same(shown.rows, [{ 'eventlog.synchronous_cursors': 'off' }], 'a new session shows off');
  const set = await db.query<{ setconfig: string[] }>(
    `SELECT s.setconfig FROM pg_catalog.pg_db_role_setting AS s
     JOIN pg_catalog.pg_database AS d ON d.oid = s.setdatabase
     WHERE d.datname = current_database() AND s.setrole = 0`);
  t.same(set.map((r) => r.setconfig), [['eventlog.synchronous_cursors=off']], 'it is a database setting');

  await uninstall({ databaseUrl: db.url, rolePrefix });
  const after = await db.connect();
  const err = await after.query('SHOW eventlog.synchronous_cursors').then(() => null, (e: pg.DatabaseError) => e);
  t.equal(err?.code, '42704', 'after uninstall, a new session does not know the setting');
  const left = await db.query(
    `SELECT 1 FROM pg_catalog.pg_db_role_setting AS s
     JOIN pg_catalog.pg_database AS d ON d.oid = s.setdatabase
     WHERE d.datname = current_database()`);
  t.same(left, [], 'no database setting is left behind');
});
