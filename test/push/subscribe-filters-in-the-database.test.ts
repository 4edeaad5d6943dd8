// subscribe({ filter }) filters in its SQL read: a read returns the matching events and the
// batch's last event (its position) only, and every delivery mode still moves past what it
// skips — a position subscriber's `after`, an at-least-once client's acknowledged cursor and an
// in-transaction client's cursor end at the log's last event although it does not match.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { filteredRead, subscribe, type Batch, type SubscribeOptions } from '../../src/subscribe/index.ts';
import { within } from '../lib/wait.ts';

t.test('a filtered subscriber gets exactly the matches and its position still passes the rest', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  // 100 events; type "b" every 10th, in streams "order-<n>" (half of them) or "user-<n>"; the last 5 are "a".
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g), CASE WHEN g % 10 = 5 THEN 'b' ELSE 'a' END,
                          CASE WHEN g % 20 = 5 THEN 'order-' || g ELSE 'user-' || g END)
                  FROM generate_series(1, 100) AS g`);
  const [{ last }] = await db.query<{ last: string }>('SELECT eventlog.log_end()::text AS last');

  // The read itself: matches plus the batch's last row.
  const c = await reader.connect();
  const q = filteredRead('eventlog.get_event($1::bigint, $2::int)', 'etag::text AS etag, event_type, stream, payload', ['0', 100], { types: ['b'], streamPrefix: 'order-' });
  const { rows } = await c.query<{ payload: { n: number }; hit: boolean }>(q);
  t.same(rows.map((r) => [r.payload.n, r.hit]), [[5, true], [25, true], [45, true], [65, true], [85, true], [100, false]],
    'a filtered read of 100 events returns the 5 matches and the last event, marked as no match');

  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const common = { connectionString: reader.url, wakeups: false, pollIntervalMs: 50, batchSize: 7, signal: ac.signal, filter: { types: ['b'], streamPrefix: 'order-' } } satisfies SubscribeOptions;
  const take = async (options: SubscribeOptions, n: number) => {
    const got: Batch[] = [];
    let count = 0;
    for await (const b of subscribe(options)) {
      got.push(b);
      count += b.events.length;
      if (count >= n) break;
    }
    return got;
  };
  const ns = (bs: Batch[]) => bs.flatMap((b) => b.events.map((e) => (e.payload as { n: number }).n));
  const position = await within('the position subscriber', take({ ...common, from: '0' }, 5), 20_000);
  t.same(ns(position), [5, 25, 45, 65, 85], 'position: exactly the matching events, in log order');
  t.ok(position.every((b) => b.events.length > 0), 'no empty batch is yielded for reads with no match');

  // A client that has consumed its matches must end at the log's end, past the 15 events after n = 85.
  const cursor = async (client: string) => (await db.query<{ etag: string }>('SELECT etag::text AS etag FROM eventlog.client_cursors WHERE client = $1', [client]))[0]?.etag;
  const follow = async (options: SubscribeOptions, client: string) => {
    const got: number[] = [];
    const loop = (async () => {
      for await (const b of subscribe(options)) {
        got.push(...b.events.map((e) => (e.payload as { n: number }).n));
        if (b.transaction) await b.transaction.query('SELECT 1');
      }
    })();
    await within(`${client} to move its cursor to the end of the log`, (async () => {
      while ((await cursor(client)) !== last) await new Promise((r) => setTimeout(r, 20));
    })(), 20_000);
    return { got, loop };
  };
  const ac2 = new AbortController();
  const alo = await follow({ ...common, signal: ac2.signal, client: 'mailer' }, 'mailer');
  const itx = await follow({ ...common, signal: ac2.signal, client: 'projector', delivery: 'in-transaction' }, 'projector');
  t.same(alo.got, [5, 25, 45, 65, 85], 'at-least-once: exactly the matching events');
  t.same(itx.got, [5, 25, 45, 65, 85], 'in-transaction: exactly the matching events');
  t.equal(await cursor('mailer'), last, 'the at-least-once client\'s cursor is at the last event of the log (acknowledged past the skipped ones)');
  t.equal(await cursor('projector'), last, 'the in-transaction client\'s cursor is at the last event of the log');
  ac2.abort();
  await Promise.all([alo.loop, itx.loop]);
});
