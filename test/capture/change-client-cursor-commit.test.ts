// Change clients commit their cursor writes as log clients do (docs/cursors.md, Durability;
// docs/capture.md): get_changes(tbl, client), peek_changes (when it records a batch) and
// ack_changes relax synchronous_commit for a transaction whose first write is the cursor's,
// unless eventlog.synchronous_cursors says otherwise; a call that writes nothing leaves it as it
// was. Observed through the transaction-local synchronous_commit the functions set.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';

const setting = async (c: pg.Client) => (await c.query<{ s: string }>(`SELECT current_setting('synchronous_commit') AS s`)).rows[0].s;

t.test('synchronous_commit after change-client cursor writes, per eventlog.synchronous_cursors', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query('CREATE TABLE public.items (id integer PRIMARY KEY)');
  await db.query(`SELECT eventlog.track_table('public.items')`);
  await db.query('INSERT INTO public.items SELECT generate_series(1, 20)');
  const c = await db.connect();
  await c.query('SET synchronous_commit = on');
  const inTransaction = async (sql: string, params: unknown[] = []) => {
    await c.query('BEGIN');
    const { rows } = await c.query<{ etag: string }>(sql, params);
    const s = await setting(c);
    await c.query('COMMIT');
    return { rows: rows.length, last: rows.at(-1)?.etag, s };
  };
  const cursor = async (client: string) =>
    (await db.query<{ etag: string; peeked_etag: string }>(`SELECT etag, peeked_etag FROM eventlog.change_cursors WHERE client = $1`, [client]))[0];

  const got = await inTransaction(`SELECT etag FROM eventlog.get_changes('public.items', $1::text, 2)`, ['reader']);
  t.same([got.rows, got.s], [2, 'off'], 'get_changes(tbl, client) moving the cursor commits asynchronously by default');
  await c.query(`SELECT eventlog.seek_changes('public.items', 'caught-up', 'end')`);
  await c.query('BEGIN');
  t.equal((await c.query(`SELECT * FROM eventlog.get_changes('public.items', $1::text)`, ['caught-up'])).rowCount, 0, 'a caught-up client reads nothing');
  t.equal(await setting(c), 'on', 'and leaves synchronous_commit as it was');
  await c.query('ROLLBACK');

  const peeked = await inTransaction(`SELECT etag FROM eventlog.peek_changes('public.items', $1, 3)`, ['worker']);
  t.same([peeked.rows, peeked.s], [3, 'off'], 'a first peek (creating the client, recording its batch) commits asynchronously');
  t.equal((await cursor('worker')).peeked_etag, peeked.last, 'and recorded its batch');
  const again = await inTransaction(`SELECT etag FROM eventlog.peek_changes('public.items', $1, 3)`, ['worker']);
  t.same([again.rows, again.s], [3, 'on'], 'peeking the same batch again writes nothing and leaves the setting as it was');
  const acked = await inTransaction(`SELECT eventlog.ack_changes('public.items', $1, $2)::text AS etag`, ['worker', peeked.last]);
  t.equal(acked.s, 'off', 'ack_changes commits asynchronously by default');
  t.equal((await cursor('worker')).etag, peeked.last, 'and moved the cursor');

  await c.query('SET eventlog.synchronous_cursors = on');
  const got2 = await inTransaction(`SELECT etag FROM eventlog.get_changes('public.items', $1::text, 2)`, ['reader']);
  t.same([got2.rows, got2.s], [2, 'on'], 'synchronous_cursors = on: get_changes(tbl, client) commits as configured');
  const peeked2 = await inTransaction(`SELECT etag FROM eventlog.peek_changes('public.items', $1, 3)`, ['worker']);
  t.same([peeked2.rows, peeked2.s], [3, 'on'], 'so does peek_changes');
  t.equal((await cursor('worker')).peeked_etag, peeked2.last, 'which still recorded its batch');
  const acked2 = await inTransaction(`SELECT eventlog.ack_changes('public.items', $1, $2)::text AS etag`, ['worker', peeked2.last]);
  t.equal(acked2.s, 'on', 'and ack_changes');
  t.equal((await cursor('worker')).etag, peeked2.last, 'which still moved the cursor');

  await c.query('SET eventlog.synchronous_cursors = auto');
  const got3 = await inTransaction(`SELECT etag FROM eventlog.get_changes('public.items', $1::text, 2)`, ['reader']);
  t.same([got3.rows, got3.s], [2, 'on'], 'auto: an explicit transaction commits as configured');
  const results = (await c.query(`SELECT etag FROM eventlog.peek_changes('public.items', 'worker', 3); SELECT current_setting('synchronous_commit') AS s`)) as unknown as pg.QueryResult[];
  t.same([results[0].rowCount, results[1].rows[0].s], [3, 'off'], 'auto: an autocommit peek over the simple protocol commits asynchronously');
});
