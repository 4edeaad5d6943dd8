// The README: delivery_blockers() lists the open transactions that keep committed events from
// readers, oldest first, prepared transactions included. Three real blockers, one of them a
// prepared transaction; their connections are opened in the opposite order to their
// transaction ids, so that neither pid nor connection order gives the expected order.
// The test cluster runs with max_prepared_transactions > 0 (scripts/lib/database.ts).
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';

t.test('delivery_blockers: several blockers, oldest first, a prepared transaction among them', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const [{ setting }] = await db.query<{ setting: string }>(`SELECT setting FROM pg_settings WHERE name = 'max_prepared_transactions'`);
  t.ok(Number(setting) > 0, 'setup: the cluster allows prepared transactions');
  const youngest = await db.connect();
  const prepared = await db.connect();
  const oldest = await db.connect();
  const writer = await db.connect();
  const gid = `${db.name}_blocker`;
  const pidOf = async (c: typeof writer) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;

  await oldest.query('BEGIN');
  await oldest.query('SELECT pg_current_xact_id()');
  await prepared.query('BEGIN');
  await prepared.query('SELECT pg_current_xact_id()');
  await prepared.query(`PREPARE TRANSACTION '${gid}'`);
  try {
    await youngest.query('BEGIN');
    await youngest.query('SELECT pg_current_xact_id()');
    await writer.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 2) AS g`);

    const rows = await db.query<{ pid: number | null; state: string; application_name: string; held_back_events: string }>(
      'SELECT pid, state, application_name, held_back_events FROM eventlog.delivery_blockers()');
    t.same(rows.map((r) => [r.pid, r.state]), [[await pidOf(oldest), 'idle in transaction'], [null, 'prepared'], [await pidOf(youngest), 'idle in transaction']],
      'oldest first: the first open transaction, the prepared one, the youngest');
    t.equal(rows[1].application_name, `prepared transaction ${gid}`, 'the prepared transaction is named by its gid');
    t.same(rows.map((r) => Number(r.held_back_events)), [2, 2, 2], 'each holds back the two events committed after it began');

    await oldest.query('COMMIT');
    t.same((await db.query<{ pid: number | null }>('SELECT pid FROM eventlog.delivery_blockers()')).map((r) => r.pid),
      [null, await pidOf(youngest)], 'when the oldest ends, the prepared transaction comes first');
  } finally {
    await writer.query(`ROLLBACK PREPARED '${gid}'`);
  }
  t.same((await db.query<{ pid: number | null }>('SELECT pid FROM eventlog.delivery_blockers()')).map((r) => r.pid),
    [await pidOf(youngest)], 'a prepared transaction rolled back no longer blocks');
  await youngest.query('ROLLBACK');
});
