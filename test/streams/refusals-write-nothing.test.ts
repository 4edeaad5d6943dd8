// Refusals are made before anything is written. Seen from another connection, after each refused
// call (in its own transaction): no event, stream, key or snapshot changed, and the next append
// gets the very next etag, so no refused call even reached the insert (an insert that fails
// later still uses up an etag). And each refusal comes before the first write of any kind: run
// in a savepoint and rolled back to it, the transaction has no transaction id afterwards (a
// write undone by the error, such as the claim of an idempotency key, would have given it one).
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';

const refused: [string, string, string][] = [
  ['22004', 'NULL stream', `SELECT eventlog.append_to_stream(NULL, '[{"type": "a", "payload": {}}]')`],
  ['22023', 'empty stream', `SELECT eventlog.append_to_stream('', '[{"type": "a", "payload": {}}]')`],
  ['22023', 'not an array', `SELECT eventlog.append_to_stream('acct', '{"type": "a", "payload": {}}')`],
  ['22023', 'missing type', `SELECT eventlog.append_to_stream('acct', '[{"payload": {}}]')`],
  ['22023', 'bad second element', `SELECT eventlog.append_to_stream('acct', '[{"type": "a", "payload": {}}, {"type": "b", "payload": 1}]')`],
  ['22023', 'negative expected version', `SELECT eventlog.append_to_stream('acct', '[{"type": "a", "payload": {}}]', -1)`],
  ['EL020', 'wrong expected version', `SELECT eventlog.append_to_stream('acct', '[{"type": "a", "payload": {}}]', 5, 'key-2')`],
  ['EL020', 'expected 0 for an existing stream', `SELECT eventlog.append_to_stream('acct', '[{"type": "a", "payload": {}}, {"type": "b", "payload": {}}]', 0)`],
  ['EL021', 'key reused for other events', `SELECT eventlog.append_to_stream('acct', '[{"type": "other", "payload": {}}]', NULL, 'key-1')`],
  ['EL022', 'snapshot of an unknown stream', `SELECT eventlog.save_snapshot('nope', 1, '{}')`],
  ['EL023', 'snapshot of a version not reached', `SELECT eventlog.save_snapshot('acct', 9, '{}')`],
  ['EL022', 'forget of an unknown stream', `SELECT eventlog.forget('nope', ARRAY['email'])`],
  ['22023', 'forget with a NULL key', `SELECT eventlog.forget('acct', ARRAY['email', NULL])`],
];

t.test('refused calls write nothing, seen from another connection', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const [caller, observer] = await Promise.all([db.connect(), db.connect()]);
  await caller.query(`SELECT eventlog.append_to_stream('acct', '[{"type": "opened", "payload": {"email": "e@example.com"}}]', 0, 'key-1')`);
  await caller.query(`SELECT eventlog.save_snapshot('acct', 1, '{"email": "e@example.com"}')`);
  const state = async () => (await observer.query(`SELECT
      (SELECT json_agg(e ORDER BY etag) FROM eventlog.events AS e) AS events,
      (SELECT json_agg(s ORDER BY stream) FROM eventlog.streams AS s) AS streams,
      (SELECT json_agg(k ORDER BY idempotency_key) FROM eventlog.idempotency_keys AS k) AS keys,
      (SELECT json_agg(n ORDER BY stream, version) FROM eventlog.snapshots AS n) AS snapshots,
      (SELECT max(etag) FROM eventlog.events) AS last_etag`)).rows[0];
  const before = await state();

  for (const [code, what, sql] of refused) {
    await caller.query('BEGIN');
    await caller.query('SAVEPOINT refused');
    const got = await caller.query(sql).then(() => 'no error', (err: { code?: string }) => err.code);
    await caller.query('ROLLBACK TO SAVEPOINT refused');
    const [{ xid }] = (await caller.query<{ xid: string | null }>('SELECT pg_current_xact_id_if_assigned()::text AS xid')).rows;
    await caller.query('ROLLBACK');
    t.equal(got, code, `${what}: ${code}`);
    t.equal(xid, null, `${what}: refused before writing anything (no transaction id)`);
  }
  t.same(await state(), before, 'no event, stream, key or snapshot changed');
  const [next] = (await caller.query(`SELECT etag FROM eventlog.append_to_stream('acct', '[{"type": "closed", "payload": {}}]', 1)`)).rows;
  t.equal(Number(next.etag), Number(before.last_etag) + 1, 'the next append gets the next etag: no refused call reached the insert');
});
