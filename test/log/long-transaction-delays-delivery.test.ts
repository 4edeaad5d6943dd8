// The cost of gap safety, shown: an open transaction that has written anything holds back every
// event committed after it began writing, and delivery_blockers() names it. When it ends, the
// held-back events flow, in log order.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';

t.test('an open writing transaction delays later events until it ends, and is shown as the blocker', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const slow = await db.connect();
  const fast = await db.connect();
  const reader = await db.connect();
  const read = async () =>
    (await reader.query<{ payload: { from: string } }>('SELECT payload FROM eventlog.get_event(0, 100)')).rows.map((r) => r.payload.from);

  await slow.query('BEGIN');
  await slow.query(`SELECT eventlog.log_event('{"from": "slow"}')`);
  const [{ pid: slowPid }] = (await slow.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;

  await fast.query(`SELECT eventlog.log_event('{"from": "fast"}')`);

  t.same(await read(), [], 'the committed event is held back while the earlier transaction is open');

  const blockers = (await reader.query('SELECT pid, state, held_back_events, xact_age FROM eventlog.delivery_blockers()')).rows;
  t.equal(blockers.length, 1, 'one transaction holds delivery back');
  t.equal(blockers[0]?.pid, slowPid, 'delivery_blockers() names the open transaction\'s backend');
  t.equal(blockers[0]?.state, 'idle in transaction', 'and says what it is doing');
  t.equal(Number(blockers[0]?.held_back_events), 1, 'and how many committed events wait for it');

  await slow.query('COMMIT');

  t.same(await read(), ['slow', 'fast'], 'after it commits both arrive, the earlier transaction first');
  t.same((await reader.query('SELECT * FROM eventlog.delivery_blockers()')).rows, [], 'nothing holds delivery back any more');
});

t.test('a transaction that wrote anything, even outside the log, holds delivery back the same way', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const other = await db.connect();
  const writer = await db.connect();
  const reader = await db.connect();

  await other.query('CREATE TABLE public.unrelated (id int)');
  await other.query('BEGIN');
  await other.query('INSERT INTO public.unrelated VALUES (1)');

  await writer.query(`SELECT eventlog.log_event('{"n": 1}')`);
  t.equal((await reader.query('SELECT * FROM eventlog.get_event(0, 10)')).rowCount, 0, 'held back by the unrelated open transaction');
  t.equal((await reader.query('SELECT * FROM eventlog.delivery_blockers()')).rowCount, 1, 'which delivery_blockers() shows');

  await other.query('ROLLBACK');
  t.equal((await reader.query('SELECT * FROM eventlog.get_event(0, 10)')).rowCount, 1, 'delivered as soon as it ends, even by rollback');
});
