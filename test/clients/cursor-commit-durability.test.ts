// When a cursor move may commit without waiting for a WAL flush (docs/cursors.md, Durability):
// by default whenever it is the transaction's first write; in mode auto only for a statement that
// is the whole transaction (simple query protocol, autocommit); in mode on never. Observed through
// the transaction-local synchronous_commit the functions set.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';

const setting = async (c: pg.Client) => (await c.query<{ s: string }>(`SELECT current_setting('synchronous_commit') AS s`)).rows[0].s;

t.test('synchronous_commit after a cursor move, per mode and protocol', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 20) AS g`);
  const c = await db.connect();
  // Throwaway test clusters run with synchronous_commit = off; this session asks for the default.
  await c.query('SET synchronous_commit = on');
  t.equal(await setting(c), 'on', 'the session commits synchronously');
  await c.query(`SELECT count(*) FROM eventlog.get_event('caught-up', 1)`);
  await c.query(`SELECT eventlog.seek_client('caught-up', 'end')`);

  // One simple-protocol message with two statements is one implicit transaction.
  const both = async (sql: string) => {
    const results = (await c.query(`${sql}; SELECT current_setting('synchronous_commit') AS s`)) as unknown as pg.QueryResult[];
    return { rows: results[0].rowCount, s: results[1].rows[0].s as string };
  };
  t.same(await both(`SELECT * FROM eventlog.get_event('c', 1)`), { rows: 1, s: 'off' },
    'autocommit get_event over the simple protocol commits asynchronously');
  t.same(await both(`SELECT * FROM eventlog.get_event('caught-up', 1)`), { rows: 0, s: 'on' },
    'an autocommit call that reads nothing leaves it as it was');

  await c.query('BEGIN');
  await c.query(`SELECT * FROM eventlog.get_event($1, 1)`, ['c']);
  t.equal(await setting(c), 'off', 'by default, a transaction whose first write is the cursor commits asynchronously, $1 parameters and all');
  await c.query('ROLLBACK');

  await c.query('SET eventlog.synchronous_cursors = auto');
  await c.query('BEGIN');
  await c.query(`SELECT * FROM eventlog.get_event($1, 1)`, ['c']);
  t.equal(await setting(c), 'on', 'auto: an explicit transaction commits as configured');
  await c.query('ROLLBACK');
  t.same(await both(`SELECT * FROM eventlog.get_event('c', 1)`), { rows: 1, s: 'off' },
    'auto: an autocommit call over the simple protocol commits asynchronously');
  await c.query('RESET eventlog.synchronous_cursors');

  await c.query('BEGIN');
  await c.query(`CREATE TEMP TABLE written (n int)`);
  await c.query(`SELECT * FROM eventlog.get_event($1, 1)`, ['c']);
  t.equal(await setting(c), 'on', 'but not one that wrote something else first');
  await c.query('ROLLBACK');

  await c.query('BEGIN');
  await c.query(`SELECT * FROM eventlog.get_event($1, 1)`, ['drained-nothing']);
  await c.query(`SELECT eventlog.seek_client('drained-nothing', 'end')`);
  await c.query('COMMIT');
  await c.query('BEGIN');
  t.equal((await c.query(`SELECT * FROM eventlog.get_event($1, 1)`, ['drained-nothing'])).rowCount, 0, 'a caught-up client');
  t.equal(await setting(c), 'on', 'reading nothing puts the setting back');
  await c.query('ROLLBACK');

  await c.query('SET eventlog.synchronous_cursors = on');
  t.same(await both(`SELECT * FROM eventlog.get_event('c', 1)`), { rows: 1, s: 'on' },
    'synchronous_cursors = on: even autocommit cursor moves commit as configured');
  await c.query(`SET eventlog.synchronous_cursors = 'ON'`);
  t.same(await both(`SELECT * FROM eventlog.get_event('c', 1)`), { rows: 1, s: 'on' },
    `'ON' in capitals (quoted, so the parser keeps the case) is mode on`);

  // Each value below leaves an explicit transaction with a $1 call relaxed (off, the default) or
  // not (auto), so it tells the two apart.
  const explicitRead = async () => {
    await c.query('BEGIN');
    await c.query(`SELECT * FROM eventlog.get_event($1, 1)`, ['c']);
    const s = await setting(c);
    await c.query('ROLLBACK');
    return s;
  };
  await c.query(`SET eventlog.synchronous_cursors = ' AUTO '`);
  t.equal(await explicitRead(), 'on', `' AUTO ' (any case, spaces) is mode auto`);
  await c.query(`SET eventlog.synchronous_cursors = ''`);
  t.equal(await explicitRead(), 'off', `'' is the default, off (not auto)`);
  await c.query('RESET eventlog.synchronous_cursors');
  t.equal(await explicitRead(), 'off', 'RESET is the default, off');
});

// Install sets no database-wide default (it touches nothing outside its schema), so SHOW knows
// the setting only once something sets it; docs/cursors.md gives the one-line opt-in.
t.test('SHOW eventlog.synchronous_cursors: the database default install sets, and another one the owner sets', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 3) AS g`);
  const fresh = await db.connect();
  t.equal((await fresh.query('SHOW eventlog.synchronous_cursors')).rows[0]['eventlog.synchronous_cursors'], 'off',
    'a fresh session shows the default install set for the database (migration 0027)');
  await fresh.end();

  // The docs suggest "= off" (the default made visible); auto here, so that its effect can be seen.
  await db.query(`ALTER DATABASE ${fresh.escapeIdentifier(db.name)} SET eventlog.synchronous_cursors = auto`);
  const later = await db.connect();
  t.equal((await later.query('SHOW eventlog.synchronous_cursors')).rows[0]['eventlog.synchronous_cursors'], 'auto',
    'after ALTER DATABASE … SET eventlog.synchronous_cursors, a new session shows it');
  await later.query('SET synchronous_commit = on');
  await later.query('BEGIN');
  await later.query(`SELECT * FROM eventlog.get_event($1, 1)`, ['c']);
  t.equal(await setting(later), 'on', 'and the functions follow it (auto: an explicit transaction commits as configured)');
  await later.query('ROLLBACK');
  await later.end();
});
