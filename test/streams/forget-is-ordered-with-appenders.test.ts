// forget locks the stream's row in eventlog.streams, the row every append to the stream locks:
// an append in progress commits before forget reads the stream (and is erased too), and an
// append that comes while forget's transaction is open waits for it. Real connections.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitsOnLock(observer: pg.Client, pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    const { rows } = await observer.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [pid]);
    if (rows[0].n === '1') return true;
    await sleep(20);
  }
  return false;
}

const pidOf = async (c: pg.Client) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;

t.test('forget waits for an append in progress and erases it; a later append waits for forget', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const [writer, admin, observer] = await Promise.all([db.connect(), db.connect(), db.connect()]);
  await writer.query(`SELECT eventlog.append_to_stream('customer-1', '[{"type": "registered", "payload": {"email": "a@example.com"}}]')`);

  await writer.query('BEGIN');
  await writer.query(`SELECT eventlog.append_to_stream('customer-1', '[{"type": "email_changed", "payload": {"email": "b@example.com"}}]')`);
  const adminPid = await pidOf(admin);
  const forgetting = admin.query<{ events_changed: number }>(`SELECT events_changed FROM eventlog.forget('customer-1', ARRAY['email'])`);
  t.ok(await waitsOnLock(observer, adminPid), 'forget waits for the open append');
  await writer.query('COMMIT');
  t.same((await forgetting).rows, [{ events_changed: 2 }], 'then it erases both events, the one appended meanwhile included');

  await admin.query('BEGIN');
  await admin.query(`SELECT eventlog.forget('customer-1', ARRAY['phone'])`);
  const writerPid = await pidOf(writer);
  const appending = writer.query(`SELECT version FROM eventlog.append_to_stream('customer-1', '[{"type": "phone_added", "payload": {"phone": "+44 1"}}]')`);
  t.ok(await waitsOnLock(observer, writerPid), 'an append while forget\'s transaction is open waits for it');
  await admin.query('COMMIT');
  t.same((await appending).rows, [{ version: 3 }], 'and appends once forget has committed');
  const { rows } = await observer.query(`SELECT version, payload FROM eventlog.events WHERE stream = 'customer-1' ORDER BY version`);
  t.same(rows, [
    { version: 1, payload: {} },
    { version: 2, payload: {} },
    { version: 3, payload: { phone: '+44 1' } },
  ], 'the stream holds the erased events and the later one as appended');
});
