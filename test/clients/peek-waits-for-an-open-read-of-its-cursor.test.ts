// peek_event records how far it delivered on the cursor row (so that ack_event accepts exactly
// those etags); that write takes the row lock. docs/cursors.md says what follows, shown here with
// real connections: a recording peek waits for an open get_event of the same cursor, then records
// and returns its batch, whose end can be acknowledged; under REPEATABLE READ it fails with 40001
// instead. A peek that reaches no further than the record writes nothing and does not wait.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ns = (rows: { payload: { n: number } }[]) => rows.map((r) => r.payload.n);

async function waitingOnLock(observer: pg.Client, pid: number) {
  for (let i = 0; i < 100; i++) {
    const r = await observer.query<{ w: string | null }>('SELECT wait_event_type AS w FROM pg_stat_activity WHERE pid = $1', [pid]);
    if (r.rows[0]?.w === 'Lock') return true;
    await sleep(50);
  }
  return false;
}

t.test('a recording peek waits for an open get_event of the same cursor', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 6) AS g`);
  const reader = await db.connect();
  const peeker = await db.connect();
  const observer = await db.connect();
  const [{ pid }] = (await peeker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  await peeker.query(`SELECT count(*) FROM eventlog.peek_event('c', 1)`);  // creates the client, records etag 1

  await reader.query('BEGIN');
  t.same(ns((await reader.query(`SELECT payload FROM eventlog.get_event('c', 2)`)).rows), [1, 2], 'a reader takes two events, transaction open');
  t.same(ns((await peeker.query(`SELECT payload FROM eventlog.peek_event('c', 1)`)).rows), [1],
    'a peek no further than the recorded end does not wait (it writes nothing)');

  let settled = false;
  const peek = peeker.query(`SELECT etag, payload FROM eventlog.peek_event('c', 5)`).finally(() => { settled = true; });
  t.ok(await waitingOnLock(observer, pid), 'a peek that reaches further waits on the cursor row');
  t.notOk(settled, 'and has not returned');
  await reader.query('COMMIT');
  const rows = (await peek).rows as { etag: string; payload: { n: number } }[];
  t.same(ns(rows), [1, 2, 3, 4, 5], 'after the commit it returns the batch it read from the cursor it saw');
  await peeker.query('SELECT eventlog.ack_event($1, $2::bigint)', ['c', rows[rows.length - 1].etag]);
  t.same(ns((await peeker.query(`SELECT payload FROM eventlog.peek_event('c', 10)`)).rows), [6], 'and the end of that batch can be acknowledged');
});

t.test('under REPEATABLE READ the waiting peek fails with 40001', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 4) AS g`);
  const reader = await db.connect();
  const peeker = await db.connect();
  const observer = await db.connect();
  const [{ pid }] = (await peeker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  await peeker.query(`SELECT count(*) FROM eventlog.get_event('c', 1)`);

  await reader.query('BEGIN');
  await reader.query(`SELECT count(*) FROM eventlog.get_event('c', 1)`);
  await peeker.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  const peek = peeker.query(`SELECT count(*) FROM eventlog.peek_event('c', 3)`);
  t.ok(await waitingOnLock(observer, pid), 'the peek waits on the cursor row');
  await reader.query('COMMIT');
  await t.rejects(peek, { code: '40001' }, 'and fails with a serialization error once the reader commits');
  await peeker.query('ROLLBACK');
});

t.test('a peek that waited for a seek back records nothing, so its batch cannot skip what the seek redelivers', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 6) AS g`);
  const seeker = await db.connect();
  const peeker = await db.connect();
  const observer = await db.connect();
  const [{ pid }] = (await peeker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  await peeker.query(`SELECT count(*) FROM eventlog.get_event('c', 3)`);

  await seeker.query('BEGIN');
  await seeker.query(`SELECT eventlog.seek_client('c', 'beginning')`);
  const peek = peeker.query(`SELECT etag, payload FROM eventlog.peek_event('c', 2)`);
  t.ok(await waitingOnLock(observer, pid), 'the peek waits for the seek');
  await seeker.query('COMMIT');
  const rows = (await peek).rows as { etag: string; payload: { n: number } }[];
  t.same(ns(rows), [4, 5], 'it returns the batch after the cursor it read');
  await t.rejects(peeker.query('SELECT eventlog.ack_event($1, $2::bigint)', ['c', rows[1].etag]), { code: 'EL011' },
    'but its end cannot be acknowledged: that would skip events 1 to 3, which the seek delivers again');
  t.same(ns((await peeker.query(`SELECT payload FROM eventlog.peek_event('c', 10)`)).rows), [1, 2, 3, 4, 5, 6],
    'the next peek starts at the beginning');
});
