// append_to_stream queues on the stream before it writes anything, in the same line as every other
// path's first write to the stream: an INSERT into eventlog.events that is still open holds the
// stream's queue, and an append_to_stream call with an idempotency key (which writes its key row
// before the events) waits for it on that advisory lock, without a transaction id, so its log
// position comes after the INSERT's and its version follows in log order.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { waitFor, within } from '../lib/wait.ts';

t.test('append_to_stream with a key waits for an open INSERT to its stream before taking a position', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const inserter = await db.connect();
  const caller = await db.connect();
  for (const c of [inserter, caller]) await c.query('SET ROLE eventlog_writer');
  const callerPid = (await caller.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;

  await inserter.query('BEGIN');
  await inserter.query(`INSERT INTO eventlog.events (event_type, stream, payload) VALUES ('opened', 'account-1', '{}')`);

  await caller.query('BEGIN');
  const call = caller.query<{ version: number; tx_order: string }>(
    `SELECT version, tx_order::text FROM eventlog.append_to_stream('account-1', '[{"type": "deposited", "payload": {"amount": 5}}]', NULL, 'deposit-1')`);
  const waiting = await waitFor('the append_to_stream call to wait for a lock', async () =>
    (await db.query<{ locktype: string; xid: string | null }>(
      `SELECT l.locktype, a.backend_xid::text AS xid
       FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
       WHERE l.pid = $1 AND NOT l.granted`, [callerPid]))[0]);
  t.equal(waiting.locktype, 'advisory', 'it waits on the stream\'s advisory lock, not on the stream row');
  t.equal(waiting.xid, null, 'it has no transaction id while it waits: nothing is written, no position taken');

  await inserter.query('COMMIT');
  const appended = (await within('the append_to_stream call to finish', call)).rows;
  await caller.query('COMMIT');
  t.same(appended.map((r) => r.version), [2], 'then it appends version 2 after the INSERT\'s version 1');
  const inserted = (await db.query<{ tx_order: string }>(`SELECT tx_order::text FROM eventlog.events WHERE stream = 'account-1' AND version = 1`))[0];
  t.ok(BigInt(inserted.tx_order) < BigInt(appended[0].tx_order), 'and its position comes after the INSERT\'s in the log');
});
