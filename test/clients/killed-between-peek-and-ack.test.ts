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

  await successor.query(`SELECT eventlog.ack_event('mailer', $1::bigint)`, [again[again.length - 1].etag]);
  t.pass('acknowledging the same etag again (a retry after a lost reply) is harmless');
  await t.rejects(successor.query(`SELECT eventlog.ack_event('mailer', $1::bigint)`, [again[0].etag]), { code: 'EL010' },
    'acknowledging an earlier etag is refused');
});

t.test('a group member killed between peek and ack: its share is delivered again, the other member is unaffected', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g), 'tick', 'stream-' || (g % 4)) FROM generate_series(1, 16) AS g`);
  const admin = await db.connect();
  const doomed = await db.connect();
  const [{ pid }] = (await doomed.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  const peeked = ns((await doomed.query(`SELECT payload FROM eventlog.peek_event('workers', 100, 0, 2)`)).rows);
  await admin.query('SELECT pg_terminate_backend($1)', [pid]);

  const other = await db.connect();
  const share1 = (await other.query(`SELECT etag FROM eventlog.peek_event('workers', 100, 1, 2)`)).rows;
  await other.query(`SELECT eventlog.ack_event('workers', $1::bigint, 1, 2)`, [share1[share1.length - 1].etag]);

  const successor = await db.connect();
  t.same(ns((await successor.query(`SELECT payload FROM eventlog.peek_event('workers', 100, 0, 2)`)).rows), peeked,
    'member 0\'s successor gets member 0\'s share again');
  t.equal(peeked.length + share1.length, 16, 'the two shares make up the log');
});
