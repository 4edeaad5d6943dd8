// README (Named clients) and docs/cursors.md: a second worker on a client "waits for the first
// one's transaction, then continues after its events". Here the client exists already (created
// and committed before either worker starts), so the second worker waits on the cursor row
// itself, not on the client's creation: after the first one commits, PostgreSQL rechecks the
// second one's cursor UPDATE against the row as the first one left it (READ COMMITTED), and the
// SAME call must return the next events, not an empty batch. Shown for a plain client and for a
// member of a consumer group (the two branches of get_event's UPDATE).
import t, { type Test } from 'tap';
import type pg from 'pg';
import { freshDatabase, type TestDatabase } from '../lib/db.ts';
import { waitFor, within } from '../lib/wait.ts';

const ns = (rows: { payload: { n: number } }[]) => rows.map((r) => r.payload.n);

async function pidOf(client: pg.Client): Promise<number> {
  return (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
}

/**
 * Worker A takes a batch in an open transaction; worker B's call for the same cursor must wait
 * for A (on the cursor row), and once A commits, return the batch after A's.
 */
async function secondWorkerAfterFirst(
  t: Test,
  db: TestDatabase,
  call: string,
  firstBatch: number[],
  secondBatch: number[],
) {
  const first = await db.connect();
  const second = await db.connect();
  await second.query(`SET statement_timeout = '30s'`);
  const firstPid = await pidOf(first);
  const secondPid = await pidOf(second);

  await first.query('BEGIN');
  t.same(ns((await first.query(call)).rows), firstBatch, 'worker A takes a batch, its transaction open');

  let settled = false;
  const waiting = second.query(call).then((r) => { settled = true; return ns(r.rows); });
  const blockers = await waitFor('worker B to wait on worker A', async () => {
    const [row] = await db.query<{ blockers: number[] }>('SELECT pg_blocking_pids($1) AS blockers', [secondPid]);
    return row.blockers.length > 0 && row.blockers;
  }, { timeoutMs: 10_000, intervalMs: 20 });
  t.same(blockers, [firstPid], 'worker B waits for worker A\'s transaction');
  const [lock] = await db.query<{ relation: string; locktype: string }>(
    `SELECT l.relation::regclass::text AS relation, l.locktype
     FROM pg_locks AS l
     WHERE l.pid = $1 AND NOT l.granted`, [secondPid]);
  t.same(lock, { relation: null, locktype: 'transactionid' },
    'on A\'s transaction id, i.e. on the cursor row A updated (not on the client\'s creation)');
  t.notOk(settled, 'and has received nothing while A\'s transaction is open');

  await first.query('COMMIT');
  t.same(await within('worker B\'s call to return after A committed', waiting, 10_000), secondBatch,
    'once A commits, the same call of worker B returns the events after A\'s');
}

t.test('a plain client that exists already: the second worker continues after the first', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT count(*) FROM eventlog.get_event('billing', 1)`); // creates the client (nothing to read yet)
  t.same(await db.query(`SELECT client, etag::text FROM eventlog.client_cursors`), [{ client: 'billing', etag: '0' }],
    'the client exists, at the beginning, before any worker starts');
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 6) AS g`);

  await secondWorkerAfterFirst(t, db, `SELECT payload FROM eventlog.get_event('billing', 2)`, [1, 2], [3, 4]);
  t.same(ns(await db.query(`SELECT payload FROM eventlog.get_event('billing', 10)`)), [5, 6],
    'and the next call continues after B\'s batch: nothing lost, nothing twice');
});

t.test('a consumer group member that exists already: the second worker continues after the first', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT count(*) FROM eventlog.get_event('orders', 1, 1, 2)`); // creates the group of 2
  t.same(await db.query(`SELECT client, member, members, etag::text FROM eventlog.client_cursors WHERE member = 1`),
    [{ client: 'orders', member: 1, members: 2, etag: '0' }], 'member 1 of 2 exists, at the beginning, before any worker starts');
  // Events 1..24 on 8 streams; member 1's share is every event whose stream hashes to 1 (README).
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g), 'step', 'order-' || (g % 8)) FROM generate_series(1, 24) AS g`);
  const share = ns(await db.query<{ payload: { n: number } }>(
    `SELECT payload FROM eventlog.events
     WHERE abs(hashtextextended(stream, 0) % 2) = 1
     ORDER BY tx_order, etag`));
  t.ok(share.length >= 6, `member 1's share has at least six events (${share.length})`);

  await secondWorkerAfterFirst(t, db, `SELECT payload FROM eventlog.get_event('orders', 2, 1, 2)`,
    share.slice(0, 2), share.slice(2, 4));
  t.same(ns(await db.query(`SELECT payload FROM eventlog.get_event('orders', 100, 1, 2)`)), share.slice(4),
    'and the next call continues after B\'s batch: nothing lost, nothing twice');
});
