// Delivery modes of a named client. At-least-once: a batch is peeked, and acknowledged only when
// the loop asks for the next one; breaking out leaves it unacknowledged (it comes again).
// In-transaction: the batch is read by get_event in an open transaction, work done on
// batch.transaction commits with the cursor move when the loop asks for more, and a break rolls
// both back. A filter skips events but the position moves past them.
import t from 'tap';
import { subscribe, type Batch } from '../../src/index.ts';
import { freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { within } from '../lib/wait.ts';

const ns = (b: Batch) => b.events.map((e) => (e.payload as { n: number }).n);

t.test('at-least-once: acknowledged when the loop asks for the next batch, not on break', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 5) AS g`);
  const peek = async () => (await db.query<{ n: number }>(
    `SELECT (payload->>'n')::int AS n FROM eventlog.peek_event('mailer', 10)`)).map((r) => r.n);
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const it = subscribe({ connectionString: reader.url, client: 'mailer', batchSize: 2, wakeups: false, signal: ac.signal })[Symbol.asyncIterator]();

  const a = (await within('batch 1', it.next())).value as Batch;
  t.same(ns(a), [1, 2], 'the first batch');
  // The cursor is the reader role's; the test's superuser may look at it (admin rights).
  t.same(await peek(), [1, 2, 3, 4, 5], 'while the loop works on it, nothing is acknowledged');
  const b = (await within('batch 2', it.next())).value as Batch;
  t.same(ns(b), [3, 4], 'the second batch');
  t.same(await peek(), [3, 4, 5], 'asking for it acknowledged the first');
  await it.return?.(undefined);
  t.same(await peek(), [3, 4, 5], 'breaking out of the loop leaves the batch in hand unacknowledged');

  const again = subscribe({ connectionString: reader.url, client: 'mailer', batchSize: 10, wakeups: false, signal: ac.signal })[Symbol.asyncIterator]();
  t.same(ns((await within('redelivery', again.next())).value as Batch), [3, 4, 5], 'a new subscriber gets it again, and the rest');
  await again.return?.(undefined);
});

t.test('in-transaction: work on batch.transaction commits with the cursor; a break rolls both back', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`CREATE TABLE public.done (n int PRIMARY KEY)`);
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 4) AS g`);
  const done = async () => (await db.query<{ n: number }>('SELECT n FROM public.done ORDER BY n')).map((r) => r.n);
  const cursorOf = async () => (await db.query<{ n: number | null }>(
    `SELECT (SELECT (payload->>'n')::int FROM eventlog.events WHERE etag = c.etag) AS n FROM eventlog.client_cursors AS c WHERE c.client = 'projector'`))[0]?.n ?? null;
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const it = subscribe({ connectionString: db.url, client: 'projector', delivery: 'in-transaction', batchSize: 2, wakeups: false, signal: ac.signal })[Symbol.asyncIterator]();

  const a = (await within('batch 1', it.next())).value as Batch;
  t.ok(a.transaction, 'the batch carries its transaction');
  for (const n of ns(a)) await a.transaction!.query('INSERT INTO public.done VALUES ($1)', [n]);
  t.same(await done(), [], 'the work is not visible before the loop asks for more');
  const b = (await within('batch 2', it.next())).value as Batch;
  t.same(await done(), [1, 2], 'asking for the next batch committed the work …');
  t.equal(await cursorOf(), 2, '… together with the cursor move');
  for (const n of ns(b)) await b.transaction!.query('INSERT INTO public.done VALUES ($1)', [n]);
  await it.return?.(undefined);
  t.same(await done(), [1, 2], 'a break rolls back the work on the batch in hand …');
  t.equal(await cursorOf(), 2, '… and its cursor move');
});

t.test('a filter skips events, and the position moves past them', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.log_event('{"n": 1}', 'paid', 'order-1'), eventlog.log_event('{"n": 2}', 'shipped', 'order-1'),
                         eventlog.log_event('{"n": 3}', 'paid', 'user-1'), eventlog.log_event('{"n": 4}', 'paid', 'order-2')`);
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const seen = async (filter: object, batchSize = 100) => {
    const it = subscribe({ connectionString: db.url, from: '0', batchSize, filter, wakeups: false, signal: ac.signal })[Symbol.asyncIterator]();
    const b = (await within('a filtered batch', it.next())).value as Batch;
    await it.return?.(undefined);
    return { ns: ns(b), after: b.after };
  };
  t.same((await seen({ types: ['paid'] })).ns, [1, 3, 4], 'types');
  t.same((await seen({ stream: 'order-1' })).ns, [1, 2], 'stream');
  t.same((await seen({ streamPrefix: 'order-', types: ['paid'] })).ns, [1, 4], 'stream prefix and types together');
  const [{ etag: last }] = await db.query<{ etag: string }>(`SELECT etag::text FROM eventlog.events WHERE payload = '{"n": 4}'`);
  const onlyUser = await seen({ stream: 'user-1' }, 2);
  t.same(onlyUser.ns, [3], 'a batch whose events were all filtered out is skipped, not yielded empty');
  const orders = await seen({ stream: 'order-1' }, 4);
  t.same(orders.ns, [1, 2], 'a batch of four with two events passing the filter');
  t.equal(orders.after, last, 'its position is after the last event read (filtered out), not after the last one yielded');

  const acked = subscribe({ connectionString: db.url, client: 'orders', batchSize: 1, filter: { stream: 'user-1' }, wakeups: false, signal: ac.signal })[Symbol.asyncIterator]();
  t.same(ns((await within('a filtered client batch', acked.next())).value as Batch), [3], 'a client subscriber filters too');
  const [{ n }] = await db.query<{ n: number }>(
    `SELECT (SELECT (payload->>'n')::int FROM eventlog.events WHERE etag = c.etag) AS n FROM eventlog.client_cursors AS c WHERE c.client = 'orders'`);
  t.equal(n, 2, 'the events it skipped on the way were acknowledged');
  await acked.return?.(undefined);
});

t.test('bad options are refused at once with code EL060', async (t) => {
  const bad: [object, RegExp][] = [
    [{ client: 'a', from: '0' }, /either client .* or from/],
    [{ from: '-1' }, /from must be an etag .* got "-1"/],
    [{ from: 'abc' }, /got "abc"/],
    [{ client: 'a', batchSize: 0 }, /batchSize must be an integer between 1 and 10000, got 0/],
    [{ from: '0', delivery: 'in-transaction' }, /needs a named client/],
    [{ client: 'a', delivery: 'exactly-once' }, /delivery must be .* got "exactly-once"/],
    [{ client: 'a', pollIntervalMs: -5 }, /pollIntervalMs must be a positive number, got -5/],
  ];
  for (const [options, message] of bad) {
    t.throws(() => subscribe(options), { code: 'EL060', message }, JSON.stringify(options));
  }
});

t.test('a client sought while the loop holds a batch: the subscriber follows the cursor', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 4) AS g`);
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const it = subscribe({ connectionString: db.url, client: 'ops', batchSize: 2, wakeups: false, pollIntervalMs: 50, signal: ac.signal })[Symbol.asyncIterator]();
  t.same(ns((await within('batch 1', it.next())).value as Batch), [1, 2], 'the first batch');
  // An operator moves the client to the end meanwhile: the ack of etag 2 is behind it (EL010).
  await db.query(`SELECT eventlog.seek_client('ops', 'end')`);
  let next = it.next();
  await db.query(`SELECT eventlog.log_event('{"n": 5}')`);
  t.same(ns((await within('the batch after the sought end', next)).value as Batch), [5], 'after a seek to the end, the subscriber goes on from there');
  // … and back to the beginning: the ack of etag 5 was never peeked since the seek (EL011).
  await db.query(`SELECT eventlog.seek_client('ops', 'beginning')`);
  next = it.next();
  t.same(ns((await within('the batch after the seek back', next)).value as Batch), [1, 2], 'after a seek back, it delivers again from the beginning');
  await it.return?.(undefined);
});
