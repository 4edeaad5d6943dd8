// Archiving (docs/partitions.md, "Archiving"): detach_partitions(before_etag) takes the closed
// partitions below before_etag out of the log; a reader positioned before or inside the archived
// range gets EL051 naming the first etag still in the log, or with eventlog.skip_archived on
// continues with what the log holds; a reader after it is unaffected; the detached table stays
// append-only; reattach_partitions() brings the range back and every reader reads as before.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';
import { waitFor } from '../lib/wait.ts';

// Maintenance until every passed range is closed: a range closes at the first run after every
// transaction that had an id when it was passed has ended (autovacuum's ANALYZE can hold one).
const closePassed = (c: pg.Client) => waitFor('maintenance to close every passed etag range', async () => {
  await c.query('SELECT count(*) FROM eventlog.ensure_partitions(1)');
  return (await c.query<{ n: string }>('SELECT count(*) AS n FROM eventlog.partition_ranges WHERE max_tx_order_so_far IS NULL')).rows[0].n === '0';
}, { timeoutMs: 30_000, intervalMs: 50 });

t.test('detached ranges refuse or skip readers behind them, and come back when reattached', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query('SELECT eventlog.set_partition_size(100)');
  const c = await db.connect();
  for (let i = 0; i < 30; i++) {
    await c.query(`SELECT count(*) FROM eventlog.log_event((SELECT jsonb_agg(jsonb_build_object('n', $1::int * 10 + g)) FROM generate_series(0, 9) AS g))`, [i]);
    await c.query('SELECT count(*) FROM eventlog.ensure_partitions(1)');
  }
  await closePassed(c);
  const all = (await c.query<{ etag: string }>('SELECT etag FROM eventlog.get_event(0, 1000)')).rows.map((r) => r.etag);
  t.equal(all.length, 300, 'a reader from the beginning gets 300 events');
  const inside = all.find((e) => BigInt(e) >= 100n && BigInt(e) < 200n)!;
  const after = all.find((e) => BigInt(e) >= 250n)!;
  const firstKept = all.find((e) => BigInt(e) >= 200n)!;
  const read = async (client: pg.Client, from: string) => (await client.query<{ etag: string }>('SELECT etag FROM eventlog.get_event($1, 1000)', [from])).rows.map((r) => r.etag);
  const afterBefore = await read(c, after);

  await t.rejects(c.query('SELECT * FROM eventlog.detach_partitions(NULL)'), { code: '22004' }, 'NULL is refused');
  await t.rejects(c.query('SELECT * FROM eventlog.detach_partitions(-1)'), { code: '22023' }, 'a negative etag is refused');
  await t.rejects(c.query('SELECT * FROM eventlog.detach_partitions(100000)'), {
    code: 'EL052', message: /^partition eventlog\.events_0000000000000000300 \(etags 300 to 399\) cannot be archived yet: its range is not closed$/,
  }, 'a range that is not closed cannot be archived, and the message names it');
  t.equal((await c.query('SELECT * FROM eventlog.archived_ranges')).rowCount, 0, 'and that call archived nothing');

  const detached = (await c.query('SELECT partition_name, from_etag, to_etag FROM eventlog.detach_partitions(200)')).rows;
  t.same(detached, [
    { partition_name: 'events_0000000000000000000', from_etag: '0', to_etag: '100' },
    { partition_name: 'events_0000000000000000100', from_etag: '100', to_etag: '200' },
  ], 'detach_partitions(200) archives the two partitions below 200');
  t.equal((await c.query(`SELECT count(*) AS n FROM eventlog.events_0000000000000000100`)).rows[0].n, String(all.filter((e) => BigInt(e) >= 100n && BigInt(e) < 200n).length),
    'the detached table keeps its events');
  await t.rejects(c.query('DELETE FROM eventlog.events_0000000000000000100'), { code: 'EL002' }, 'and stays append-only');

  await t.rejects(read(c, '0'), {
    code: 'EL051', message: `an event after etag 0, etags 0 to 99, is archived; the first etag in the log is ${firstKept}`,
  }, 'a reader at the beginning is refused, naming the first etag in the log');
  await t.rejects(read(c, inside), {
    code: 'EL051', message: `etag ${inside}, etags 100 to 199, is archived; the first etag in the log is ${firstKept}`,
  }, 'a reader inside the archived range too');
  t.same(await read(c, after), afterBefore, 'a reader after it reads as before');

  await c.query('SET eventlog.skip_archived = on');
  t.same(await read(c, '0'), all.filter((e) => BigInt(e) >= 200n), 'with eventlog.skip_archived on, the reader at the beginning continues with the first etag in the log');
  t.same(await read(c, inside), all.filter((e) => BigInt(e) >= 200n), 'and so does the reader inside the range');
  await c.query('RESET eventlog.skip_archived');

  const back = (await c.query('SELECT partition_name FROM eventlog.reattach_partitions()')).rows;
  t.same(back, [{ partition_name: 'events_0000000000000000000' }, { partition_name: 'events_0000000000000000100' }], 'reattach_partitions brings both back');
  t.same(await read(c, '0'), all, 'every event is read from the beginning again, in the same order');
  t.same(await read(c, inside), all.slice(all.indexOf(inside) + 1), 'and after an etag inside the range');
  const guards = (await c.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_trigger WHERE tgrelid = 'eventlog.events_0000000000000000100'::regclass AND tgenabled = 'A'`)).rows[0].n;
  t.equal(guards, '4', 'the reattached partition has its four guards again');
});
