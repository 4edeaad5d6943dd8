// The README: an empty read writes nothing, but a read that moves the cursor gives the
// transaction an id, which holds back delivery for everyone until it ends. Shown with separate
// connections for the consumer, a writer and a stateless reader.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';

t.test('a cursor-moving read takes a transaction id and holds back delivery until it ends', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 3) AS g`);
  const consumer = await db.connect();
  const writer = await db.connect();
  const reader = await db.connect();
  const xid = async () => (await consumer.query<{ x: string | null }>('SELECT pg_current_xact_id_if_assigned()::text AS x')).rows[0].x;
  const [{ last }] = await db.query<{ last: string }>('SELECT max(etag)::text AS last FROM eventlog.events');

  // Caught up first (an autocommit read of everything); then an empty read in an open transaction
  // takes no id and holds nothing back.
  await consumer.query(`SELECT count(*) FROM eventlog.get_event('c', 10)`);
  await consumer.query('BEGIN');
  t.equal((await consumer.query(`SELECT * FROM eventlog.get_event('c', 10)`)).rowCount, 0, 'a caught-up read returns nothing');
  t.equal(await xid(), null, 'and gives the transaction no id');
  const first = (await writer.query<{ etag: string }>(`SELECT etag FROM eventlog.log_event('{"n": 4}')`)).rows[0].etag;
  t.same((await reader.query<{ etag: string }>('SELECT etag FROM eventlog.get_event($1::bigint, 10)', [last])).rows.map((r) => r.etag),
    [first], 'so an event committed meanwhile is delivered to others at once');
  await consumer.query('COMMIT');

  // Now a read that moves the cursor, in a transaction left open.
  await consumer.query('BEGIN');
  t.equal((await consumer.query(`SELECT * FROM eventlog.get_event('c', 10)`)).rowCount, 1, 'a read that delivers an event');
  t.not(await xid(), null, 'gives the transaction an id');
  const second = (await writer.query<{ etag: string }>(`SELECT etag FROM eventlog.log_event('{"n": 5}')`)).rows[0].etag;
  t.same((await reader.query('SELECT etag FROM eventlog.get_event($1::bigint, 10)', [first])).rows, [],
    'an event committed after it is held back from every reader');
  const [{ pid }] = (await consumer.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  const blockers = (await reader.query<{ pid: number; held_back_events: string }>(
    'SELECT pid, held_back_events FROM eventlog.delivery_blockers()')).rows;
  t.same(blockers.map((b) => [b.pid, Number(b.held_back_events)]), [[pid, 1]], 'delivery_blockers names the consumer');
  await consumer.query('COMMIT');
  t.same((await reader.query<{ etag: string }>('SELECT etag FROM eventlog.get_event($1::bigint, 10)', [first])).rows.map((r) => r.etag),
    [second], 'once it ends, the event is delivered');
});
