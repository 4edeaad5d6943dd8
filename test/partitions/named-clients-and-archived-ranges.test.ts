// Named clients and archived ranges (docs/partitions.md, "What named clients see"; issue 12):
// after detach_partitions, a client whose cursor stands before or inside the archived range is
// refused with EL051 naming the client and the first etag still in the log, and nothing moves; a
// client with eventlog.skip_archived on reads on with what the log holds, and is told so with a
// NOTICE; a client after the range, or on its last transaction, is unaffected; peek_event,
// ack_event, seek_client and the clients view agree; reattach_partitions brings every event
// back to the clients that did not skip. Each client reads on its own connection.
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

const etags = (rows: { etag: string }[]) => rows.map((r) => r.etag);

t.test('clients before, inside and after a detached range, and after it is reattached', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query('SELECT eventlog.set_partition_size(100)');
  const admin = await db.connect();
  // 30 transactions of 10 events: some straddle the partition boundaries at 100, 200 and 300.
  for (let i = 0; i < 30; i++) {
    await admin.query(`SELECT count(*) FROM eventlog.log_event((SELECT jsonb_agg(jsonb_build_object('n', $1::int * 10 + g)) FROM generate_series(0, 9) AS g))`, [i]);
    await admin.query('SELECT count(*) FROM eventlog.ensure_partitions(1)');
  }
  await closePassed(admin);
  const all = etags((await admin.query<{ etag: string }>('SELECT etag FROM eventlog.get_event(0, 1000)')).rows);
  t.equal(all.length, 300, 'the log holds 300 events');
  const kept = all.filter((e) => BigInt(e) >= 200n);
  const firstKept = kept[0];
  const inside = all.find((e) => BigInt(e) >= 100n && BigInt(e) < 200n)!;
  const lastArchived = all.filter((e) => BigInt(e) < 200n).at(-1)!;
  const after = all.find((e) => BigInt(e) >= 250n)!;
  const rest = (from: string) => all.slice(all.indexOf(from) + 1);

  // Five clients, one connection each, positioned before the commit of the archive.
  const positions: Record<string, string> = { before: '0', inside, edge: lastArchived, after, skipper: '0' };
  const conn: Record<string, pg.Client> = {};
  for (const [name, at] of Object.entries(positions)) {
    conn[name] = await db.connect();
    await conn[name].query('SELECT count(*) FROM eventlog.get_event($1::text, 1)', [name]);
    await conn[name].query('SELECT eventlog.seek_client($1::text, $2::bigint)', [name, at]);
  }
  const notices: string[] = [];
  conn.skipper.on('notice', (n) => notices.push(n.message ?? ''));
  const cursor = async (name: string) => (await admin.query<{ etag: string }>(
    'SELECT etag FROM eventlog.client_cursors WHERE client = $1', [name])).rows[0].etag;
  const read = async (name: string, n = 1000) => etags((await conn[name].query<{ etag: string }>(
    'SELECT etag FROM eventlog.get_event($1::text, $2)', [name, n])).rows);

  t.same(etags((await admin.query<{ partition_name: string; etag: string }>(
    'SELECT partition_name AS etag FROM eventlog.detach_partitions(200)')).rows),
  ['events_0000000000000000000', 'events_0000000000000000100'], 'the two partitions below 200 are archived');

  const view = (await admin.query<{ client: string; archived_from_etag: string | null }>(
    'SELECT client, archived_from_etag FROM eventlog.clients ORDER BY client')).rows;
  t.same(Object.fromEntries(view.map((r) => [r.client, r.archived_from_etag])),
    { after: null, before: '0', edge: null, inside: '100', skipper: '0' },
    'the clients view names the archived range ahead of each cursor that stands before one');

  await t.rejects(read('before'), {
    code: 'EL051', message: `client 'before' stands before archived events: etags 0 to 99 are archived; the first etag in the log is ${firstKept}`,
  }, 'a client at the beginning is refused, naming the client, the range and the first etag in the log');
  await t.rejects(read('inside'), {
    code: 'EL051', message: `client 'inside' stands before archived events: etags 100 to 199 are archived; the first etag in the log is ${firstKept}`,
  }, 'so is a client inside the archived range');
  await t.rejects(conn.inside.query(`SELECT etag FROM eventlog.peek_event('inside', 10)`), { code: 'EL051' }, 'and its peek');
  t.equal(await cursor('before'), '0', 'the refused client did not move');
  t.equal(await cursor('inside'), inside, 'nor did the other');
  await t.rejects(conn.inside.query(`SELECT eventlog.ack_event('inside', $1::bigint)`, [rest(inside)[0]]), { code: 'EL051' },
    'an archived etag cannot be acknowledged');
  await t.rejects(conn.inside.query(`SELECT eventlog.seek_client('inside', $1::bigint)`, [rest(inside)[0]]), {
    code: 'EL051', message: new RegExp(`^client 'inside' cannot seek to etag ${rest(inside)[0]}: `),
  }, 'nor sought to');

  t.same(await read('after'), rest(after), 'a client after the archived range reads on as before');
  t.same(await read('edge'), kept, 'a client on the range\'s last event reads on with the first event after it');

  await conn.skipper.query('SET eventlog.skip_archived = on');
  t.same(await read('skipper', 50), kept.slice(0, 50), 'with eventlog.skip_archived on, a client at the beginning reads on with the events the log still holds');
  t.match(notices[0], /^client 'skipper' skips archived events: etags 0 to 99 are archived; it reads on with the events the log still holds$/,
    'and is told so with a NOTICE');
  await conn.skipper.query('RESET eventlog.skip_archived');
  t.same(await read('skipper'), kept.slice(50), 'once past the archived events it reads on without the setting');

  t.same(etags((await admin.query<{ etag: string }>('SELECT partition_name AS etag FROM eventlog.reattach_partitions()')).rows),
    ['events_0000000000000000000', 'events_0000000000000000100'], 'reattach_partitions brings both back');
  t.same(await read('before'), all, 'the client that was refused at the beginning now gets every event, in order');
  t.same(await read('inside'), rest(inside), 'and the one inside the range every event after its cursor');
  t.same(await read('skipper'), [], 'the client that skipped has passed the range: nothing is delivered twice');
});
