// Tail reads do not touch old partitions (docs/partitions.md): once maintenance has closed the
// etag ranges behind the writers, get_event after a recent position (and a named client's
// get_event and peek_event from a recent cursor) prunes their partitions, so
// the buffers a tail read touches stay the same (up to page alignment) with 3, 6 or 12
// partitions behind it. The same
// query without the bound (a control, as a plain SELECT) touches one index per partition more.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';
import { waitFor } from '../lib/wait.ts';

const SIZE = 1000;

// Maintenance until every passed range is closed: a range closes at the first run after every
// transaction that had an id when it was passed has ended (autovacuum's ANALYZE can hold one).
const closePassed = (c: pg.Client) => waitFor('maintenance to close every passed etag range', async () => {
  await c.query('SELECT count(*) FROM eventlog.ensure_partitions(1)');
  return (await c.query<{ n: string }>('SELECT count(*) AS n FROM eventlog.partition_ranges WHERE max_tx_order_so_far IS NULL')).rows[0].n === '0';
}, { timeoutMs: 30_000, intervalMs: 50 });

interface Plan { Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }
const buffers = (rows: { 'QUERY PLAN': Plan[] }[]) => rows[0]['QUERY PLAN'][0].Plan['Shared Hit Blocks'] + rows[0]['QUERY PLAN'][0].Plan['Shared Read Blocks'];

t.test('a tail read touches the same buffers with 3, 6 and 12 partitions behind it', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.set_partition_size(${SIZE})`);
  const writer = await db.connect();
  const reader = await db.connect();

  // 100 events per transaction, maintenance after each, as a cron job would do it.
  const fillTo = async (partitions: number) => {
    for (;;) {
      const next = (await writer.query<{ n: string }>(`SELECT pg_sequence_last_value('eventlog.events_etag_seq') AS n`)).rows[0].n;
      // Stop mid-range, so that the tail read's events lie in one partition each time.
      if (Number(next ?? 0) >= partitions * SIZE + SIZE / 2) break;
      await writer.query(`SELECT count(*) FROM eventlog.log_event((SELECT jsonb_agg(jsonb_build_object('n', g)) FROM generate_series(1, 100) AS g))`);
      await writer.query('SELECT count(*) FROM eventlog.ensure_partitions(1)');
    }
    await closePassed(writer);
  };

  const measure = async () => {
    const after = (await reader.query<{ etag: string }>(
      'SELECT etag FROM eventlog.events ORDER BY tx_order DESC, etag DESC OFFSET 50 LIMIT 1')).rows[0].etag;
    const tail = async (c: pg.Client) => (await c.query('SELECT etag FROM eventlog.get_event($1, 100)', [after])).rows.length;
    t.equal(await tail(reader), 50, 'the tail read returns the last 50 events');
    const plan = await reader.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM eventlog.get_event(${after}, 100)`);
    const [{ tx_order: x }] = (await reader.query<{ tx_order: string }>('SELECT tx_order FROM eventlog.events WHERE etag = $1', [after])).rows;
    const control = await reader.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM eventlog.events
      WHERE (tx_order, etag) > (${x}, ${after}) ORDER BY tx_order, etag LIMIT 100`);
    const parts = (await reader.query<{ n: string }>(`SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'eventlog.events'::regclass`)).rows[0].n;
    // A named client and a peeking one, standing at the same position (the EXPLAIN ANALYZE runs
    // the read, so the client is put back there first). Each read runs once before it is
    // measured, as get_event's does above: the first call after partitions were added plans its
    // statements again, which reads the catalog once per partition.
    await reader.query(`SELECT eventlog.seek_client('tail-reader', $1::bigint)`, [after]);
    t.equal((await reader.query(`SELECT etag FROM eventlog.get_event('tail-reader', 100)`)).rows.length, 50, 'the named client\'s tail read returns the last 50 events');
    await reader.query(`SELECT eventlog.seek_client('tail-reader', $1::bigint)`, [after]);
    const client = await reader.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM eventlog.get_event('tail-reader', 100)`);
    await reader.query(`SELECT eventlog.seek_client('tail-peeker', $1::bigint)`, [after]);
    t.equal((await reader.query(`SELECT etag FROM eventlog.peek_event('tail-peeker', 100)`)).rows.length, 50, 'and so does its peek');
    await reader.query(`SELECT eventlog.seek_client('tail-peeker', $1::bigint)`, [after]);
    const peek = await reader.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM eventlog.peek_event('tail-peeker', 100)`);
    return { read: buffers(plan.rows), client: buffers(client.rows), peek: buffers(peek.rows), control: buffers(control.rows), parts: Number(parts) };
  };

  await reader.query(`SELECT count(*) FROM eventlog.get_event('tail-reader', 1)`);
  await reader.query(`SELECT count(*) FROM eventlog.peek_event('tail-peeker', 1)`);
  await fillTo(3);
  const at3 = await measure();
  await fillTo(6);
  const at6 = await measure();
  await fillTo(12);
  const at12 = await measure();
  t.comment(`buffers of get_event / control: ${JSON.stringify({ at3, at6, at12 })}`);

  t.ok(at12.parts >= at3.parts + 9, `partitions grew from ${at3.parts} to ${at12.parts}`);
  t.ok(at12.control >= at3.control + 9, `without the bound, the same read touches more buffers as partitions are added (${at3.control}, ${at6.control}, ${at12.control})`);
  // Flat up to where the last 50 events fall in their heap and index pages (a buffer or two);
  // one more partition scanned costs at least one index descent, nine more at least nine.
  t.ok(Math.abs(at6.read - at3.read) <= 3, `get_event touches as many buffers with ${at6.parts} partitions (${at6.read}) as with ${at3.parts} (${at3.read})`);
  t.ok(Math.abs(at12.read - at3.read) <= 3, `and with ${at12.parts} (${at12.read})`);
  // The named-client reads: a look at the cursor row, its move (a HOT update) and the batch; the
  // same flatness (their own rows add a few buffers, the same number each time).
  t.ok(Math.abs(at6.client - at3.client) <= 3 && Math.abs(at12.client - at3.client) <= 3,
    `get_event('client') touches as many buffers with ${at3.parts}, ${at6.parts} and ${at12.parts} partitions (${at3.client}, ${at6.client}, ${at12.client})`);
  t.ok(Math.abs(at6.peek - at3.peek) <= 3 && Math.abs(at12.peek - at3.peek) <= 3,
    `and so does peek_event (${at3.peek}, ${at6.peek}, ${at12.peek})`);
});

// The bound must never leave out a range a transaction can still add to. Transaction A takes an
// etag in range k and stays open; the rest of range k is taken by a transaction that rolls back,
// so A's is its only event; an older transaction B appends in range k+1 and commits. A reader
// then reads up to B's event (A holds it back from anything later). Were range k closed now, its
// highest committed position would lie before B's, the read after B would prune it, and A's event
// would be lost when A commits.
t.test('a range stays open while a transaction that had an id when the sequence passed it runs', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query('SELECT eventlog.set_partition_size(100)');
  const [a, b, c, reader, maint] = await Promise.all([db.connect(), db.connect(), db.connect(), db.connect(), db.connect()]);
  await c.query(`SELECT count(*) FROM eventlog.log_event((SELECT jsonb_agg(jsonb_build_object('by', 'c', 'n', g)) FROM generate_series(1, 10) AS g))`);

  await b.query('BEGIN');
  await b.query('SELECT pg_current_xact_id()'); // B's position comes before A's
  await a.query('BEGIN');
  const [{ etag: aEtag }] = (await a.query<{ etag: string }>(`INSERT INTO eventlog.events (payload) VALUES ('{"by": "a"}') RETURNING etag`)).rows;
  await c.query('BEGIN');
  await c.query(`SELECT count(*) FROM eventlog.log_event((SELECT jsonb_agg(jsonb_build_object('by', 'c-rolled-back')) FROM generate_series(1, 150)))`);
  await c.query('ROLLBACK');
  const [{ etag: bEtag }] = (await b.query<{ etag: string }>(`INSERT INTO eventlog.events (payload) VALUES ('{"by": "b"}') RETURNING etag`)).rows;
  await b.query('COMMIT');
  t.ok(BigInt(bEtag) / 100n > BigInt(aEtag) / 100n, `B's event (${bEtag}) is in a later range than A's (${aEtag})`);

  await maint.query('SELECT count(*) FROM eventlog.ensure_partitions(1)');
  await maint.query('SELECT count(*) FROM eventlog.ensure_partitions(1)');
  const range = (await maint.query<{ so_far: string | null }>(
    'SELECT max_tx_order_so_far AS so_far FROM eventlog.partition_ranges WHERE from_etag = $1 / 100 * 100', [aEtag])).rows;
  t.same(range, [{ so_far: null }], 'A\'s range is passed but not closed while A runs');

  const read = async (after: string) => (await reader.query<{ etag: string; payload: { by: string } }>(
    'SELECT etag, payload FROM eventlog.get_event($1, 100)', [after])).rows;
  const first = await read('0');
  t.same(first.map((r) => r.payload.by), [...Array(10).fill('c'), 'b'], 'the reader gets the older events and B\'s, not A\'s yet');

  await a.query('COMMIT');
  await closePassed(maint);
  const closed = (await maint.query<{ so_far: string | null }>(
    'SELECT max_tx_order_so_far AS so_far FROM eventlog.partition_ranges WHERE from_etag = $1 / 100 * 100', [aEtag])).rows;
  t.not(closed[0].so_far, null, 'once A has ended, the range closes');
  const after = await read(bEtag);
  t.same(after.map((r) => r.etag), [aEtag], 'and the read after B\'s event gets A\'s');
});
