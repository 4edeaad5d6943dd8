// A named client's cursor moves in the caller's transaction: work done in the same transaction
// happens exactly once, a rollback (or a lost connection) delivers the same events again, and a
// second worker on the same client waits for the first and continues after its events.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { waitFor } from '../lib/wait.ts';
const ns = (rows: { payload: { n: number } }[]) => rows.map((r) => r.payload.n);

t.test('processing inside the transaction is exactly-once; rollback redelivers', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 5) AS g`);
  await db.query('CREATE TABLE public.processed (n int PRIMARY KEY)');
  const consumer = await db.connect();
  const take = async (max: number) =>
    ns((await consumer.query(`SELECT payload FROM eventlog.get_event('billing', ${max})`)).rows);

  await consumer.query('BEGIN');
  t.same(await take(2), [1, 2], 'the first batch');
  t.same(await take(2), [3, 4], 'the next call in the same transaction continues after it');
  await consumer.query(`INSERT INTO public.processed VALUES (1), (2), (3), (4)`);
  await consumer.query('ROLLBACK');

  await consumer.query('BEGIN');
  const again = await take(10);
  t.same(again, [1, 2, 3, 4, 5], 'after a rollback every event is delivered again');
  await consumer.query('INSERT INTO public.processed SELECT unnest($1::int[])', [again]);
  await consumer.query('COMMIT');

  t.same(await take(10), [], 'after the commit nothing is left');
  t.same((await db.query<{ n: number }>('SELECT n FROM public.processed ORDER BY n')).map((r) => r.n), [1, 2, 3, 4, 5],
    'each event was processed exactly once');
});

t.test('a consumer whose connection dies inside its transaction gets the same events again', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 3) AS g`);
  const doomed = await db.connect();
  await doomed.query('BEGIN');
  t.same(ns((await doomed.query(`SELECT payload FROM eventlog.get_event('billing', 2)`)).rows), [1, 2], 'got two events');
  (doomed as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  // The server notices the closed socket and rolls the transaction back; wait until it has.
  await waitFor('the dead connection\'s transaction to end', async () => {
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`);
    return n === '0';
  }, { timeoutMs: 10_000, intervalMs: 50 });
  const next = await db.connect();
  t.same(ns((await next.query(`SELECT payload FROM eventlog.get_event('billing', 10)`)).rows), [1, 2, 3],
    'a new connection starts before the events the dead one never committed');
});

t.test('a second worker on the same client waits for the first, then continues after its events', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 6) AS g`);
  // The first worker's call creates the client, so the second one waits on that creation (the
  // client's advisory lock), then reads the committed cursor. With a client that exists already,
  // the second worker waits on the cursor row instead: second-worker-continues-after-the-first
  // shows that case, for a plain client and a group member.
  const first = await db.connect();
  const second = await db.connect();
  const [{ pid: firstPid }] = (await first.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  const [{ pid: secondPid }] = (await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;

  await first.query('BEGIN');
  t.same(ns((await first.query(`SELECT payload FROM eventlog.get_event('billing', 2)`)).rows), [1, 2], 'the first worker takes a batch');

  let settled = false;
  const waiting = second.query(`SELECT payload FROM eventlog.get_event('billing', 2)`).then((r) => { settled = true; return ns(r.rows); });
  const blockers = await waitFor('the second worker to wait on the first', async () => {
    const [row] = await db.query<{ blockers: number[] }>('SELECT pg_blocking_pids($1) AS blockers', [secondPid]);
    return row.blockers.length > 0 && row.blockers;
  }, { timeoutMs: 10_000, intervalMs: 20 });
  t.same(blockers, [firstPid], 'the second worker waits for the first one\'s transaction');
  t.notOk(settled, 'and has received nothing while the first one\'s transaction is open');

  await first.query('COMMIT');
  t.same(await waiting, [3, 4], 'once it commits, the second worker continues after the first one\'s events');
});

t.test('under REPEATABLE READ the second worker fails with 40001 instead of continuing', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 4) AS g`);
  await db.query(`SELECT count(*) FROM eventlog.get_event('billing', 1)`);
  const first = await db.connect();
  const second = await db.connect();
  const [{ pid: secondPid }] = (await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  await first.query('BEGIN');
  await first.query(`SELECT payload FROM eventlog.get_event('billing', 1)`);
  await second.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  await second.query('SELECT 1');
  const waiting = second.query(`SELECT payload FROM eventlog.get_event('billing', 1)`).then(() => 'ok', (e: { code?: string }) => e.code);
  await waitFor('the second worker to wait on the first', async () =>
    (await db.query<{ n: number }>('SELECT cardinality(pg_blocking_pids($1)) AS n', [secondPid]))[0].n > 0, { timeoutMs: 10_000, intervalMs: 20 });
  await first.query('COMMIT');
  t.equal(await waiting, '40001', 'could not serialize: the transaction must be retried');
  await second.query('ROLLBACK');
  t.same(ns((await second.query(`SELECT payload FROM eventlog.get_event('billing', 10)`)).rows), [3, 4], 'a retry continues after the first worker');
});

t.test('an idle poll writes nothing and holds nothing back', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const poller = await db.connect();
  const writer = await db.connect();
  await poller.query(`SELECT count(*) FROM eventlog.get_event('idle', 10)`); // creates the client
  await poller.query('BEGIN');
  t.equal((await poller.query(`SELECT * FROM eventlog.get_event('idle', 10)`)).rowCount, 0, 'nothing to read');
  const [{ xid }] = (await poller.query('SELECT pg_current_xact_id_if_assigned() AS xid')).rows;
  t.equal(xid, null, 'the polling transaction has no transaction id');
  await writer.query(`SELECT eventlog.log_event('{"n": 1}')`);
  t.equal((await writer.query('SELECT * FROM eventlog.get_event(0, 10)')).rowCount, 1, 'so other readers get new events while it stays open');
  await poller.query('COMMIT');
});
