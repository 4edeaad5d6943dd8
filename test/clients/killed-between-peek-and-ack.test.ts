// At-least-once for work outside the database: peek, work, ack. A consumer that dies after its
// peek and before its ack has moved nothing, so whoever takes over gets the same events again.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';

const ns = (rows: { payload: { n: number } }[]) => rows.map((r) => r.payload.n);

t.test('a consumer killed between peek and ack: the same events are delivered again', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 7) AS g`);
  const admin = await db.connect();

  const doomed = await db.connect();
  const [{ pid }] = (await doomed.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  const peeked = (await doomed.query(`SELECT etag, payload FROM eventlog.peek_event('mailer', 3)`)).rows;
  t.same(ns(peeked), [1, 2, 3], 'the consumer peeked a batch');
  // ... it sends the mails, and is killed before it acknowledges them.
  const [{ terminated }] = (await admin.query('SELECT pg_terminate_backend($1) AS terminated', [pid])).rows;
  t.ok(terminated, 'its backend is terminated');
  await t.rejects(doomed.query('SELECT 1'), 'its connection is gone');

  const successor = await db.connect();
  const again = (await successor.query(`SELECT etag, payload FROM eventlog.peek_event('mailer', 3)`)).rows;
  t.same(ns(again), [1, 2, 3], 'the next consumer peeks the same events: nothing was lost');
  await successor.query(`SELECT eventlog.ack_event('mailer', $1::bigint)`, [again[again.length - 1].etag]);
  t.same(ns((await successor.query(`SELECT payload FROM eventlog.peek_event('mailer', 10)`)).rows), [4, 5, 6, 7],
    'after its ack, the next peek continues after them');

  // A retry after a lost reply: the same ack again changes nothing and writes nothing (the
  // transaction gets no id, so it neither holds back delivery nor waits for a WAL flush).
  await successor.query('BEGIN');
  await successor.query(`SELECT eventlog.ack_event('mailer', $1::bigint)`, [again[again.length - 1].etag]);
  const [{ xid }] = (await successor.query<{ xid: string | null }>('SELECT pg_current_xact_id_if_assigned()::text AS xid')).rows;
  await successor.query('COMMIT');
  t.equal(xid, null, 'acknowledging the same etag again (a retry after a lost reply) writes nothing');
  t.same(ns((await successor.query(`SELECT payload FROM eventlog.peek_event('mailer', 10)`)).rows), [4, 5, 6, 7],
    'and the cursor stays where the first ack put it');
  await t.rejects(successor.query(`SELECT eventlog.ack_event('mailer', $1::bigint)`, [again[0].etag]), { code: 'EL010' },
    'acknowledging an earlier etag is refused');
});

t.test('a group member killed between peek and ack: its share is delivered again, the other member is unaffected', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g), 'tick', 'stream-' || (g % 4)) FROM generate_series(1, 16) AS g`);
  // Each member's share, from the log itself: the events of the streams stream_member assigns it.
  const share = async (m: number) => (await db.query<{ n: number }>(
    `SELECT (payload->>'n')::int AS n FROM eventlog.events WHERE eventlog.stream_member(stream, 2) = $1 ORDER BY tx_order, etag`, [m])).map((r) => r.n);
  const [share0, share1] = [await share(0), await share(1)];
  t.ok(share0.length > 0 && share1.length > 0, `both members have a share (${share0.length} and ${share1.length} events)`);
  t.same([...share0, ...share1].sort((a, b) => a - b), Array.from({ length: 16 }, (_, i) => i + 1), 'the two shares make up the log');

  const admin = await db.connect();
  const doomed = await db.connect();
  const other = await db.connect();
  const [{ pid }] = (await doomed.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  t.same(ns((await doomed.query(`SELECT payload FROM eventlog.peek_event('workers', 100, 0, 2)`)).rows), share0,
    'member 0 peeks its share');
  const peeked1 = (await other.query(`SELECT etag, payload FROM eventlog.peek_event('workers', 100, 1, 2)`)).rows;
  t.same(ns(peeked1), share1, 'member 1 peeks its share at the same time');
  const [{ terminated }] = (await admin.query('SELECT pg_terminate_backend($1) AS terminated', [pid])).rows;
  t.ok(terminated, 'member 0 is killed before its ack');

  // Member 1 carries on as if nothing happened: its ack works and moves only its own cursor.
  await other.query(`SELECT eventlog.ack_event('workers', $1::bigint, 1, 2)`, [peeked1[peeked1.length - 1].etag]);
  t.same((await other.query(`SELECT etag FROM eventlog.peek_event('workers', 100, 1, 2)`)).rows, [],
    'member 1\'s ack took: its next peek is empty');
  const cursors = (await admin.query<{ member: number; etag: string }>(
    `SELECT member, etag::text FROM eventlog.client_cursors WHERE client = 'workers' ORDER BY member`)).rows;
  t.same(cursors, [{ member: 0, etag: '0' }, { member: 1, etag: peeked1[peeked1.length - 1].etag }],
    'member 0\'s cursor is still at the beginning, member 1\'s at its ack');

  const successor = await db.connect();
  t.same(ns((await successor.query(`SELECT payload FROM eventlog.peek_event('workers', 100, 0, 2)`)).rows), share0,
    'member 0\'s successor gets member 0\'s share again, all of it');
});
