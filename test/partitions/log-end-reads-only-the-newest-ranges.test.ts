// log_end() reads only the newest etag ranges (migration 0060): once maintenance has closed the
// ranges behind the writers, its probe prunes their partitions, so a call costs the same with 4
// partitions or 40 (the wake-up watcher makes one per advance of the horizon). Shown with the
// transaction's own statistics (pg_stat_xact_user_tables): after a call, no older partition has
// been scanned. And the bound never changes the answer: log_end() equals the last readable event
// in log order, computed by a plain query, with an old transaction holding the horizon back,
// after it commits, and when the newest events of the closed ranges were removed (the probe then
// falls back to the whole log).
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';
import { waitFor } from '../lib/wait.ts';

const SIZE = 100;

const closePassed = (c: pg.Client) => waitFor('maintenance to close every passed etag range', async () => {
  await c.query('SELECT count(*) FROM eventlog.ensure_partitions(1)');
  return (await c.query<{ n: string }>('SELECT count(*) AS n FROM eventlog.partition_ranges WHERE max_tx_order_so_far IS NULL')).rows[0].n === '0';
}, { timeoutMs: 30_000, intervalMs: 50 });

// 50 events per transaction up to the middle of range `ranges`, maintenance after each.
const fillTo = async (c: pg.Client, ranges: number) => {
  for (;;) {
    const next = (await c.query<{ n: string | null }>(`SELECT pg_sequence_last_value('eventlog.events_etag_seq') AS n`)).rows[0].n;
    if (Number(next ?? 0) >= ranges * SIZE + SIZE / 2) break;
    await c.query(`SELECT count(*) FROM eventlog.log_event((SELECT jsonb_agg(jsonb_build_object('n', g)) FROM generate_series(1, 50) AS g))`);
    await c.query('SELECT count(*) FROM eventlog.ensure_partitions(1)');
  }
};

// The last event in log order before position `before` (no bound: the reference answer).
const lastBefore = async (c: pg.Client, before: string = '9223372036854775807') =>
  (await c.query<{ etag: string }>(`SELECT coalesce((SELECT etag FROM eventlog.events WHERE tx_order < $1::bigint
    ORDER BY tx_order DESC, etag DESC LIMIT 1), 0)::text AS etag`, [before])).rows[0].etag;
const logEnd = async (c: pg.Client) => (await c.query<{ e: string }>('SELECT eventlog.log_end()::text AS e')).rows[0].e;

t.test('a call of log_end() scans only the newest partitions', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.set_partition_size(${SIZE})`);
  const writer = await db.connect();
  await fillTo(writer, 12);
  await closePassed(writer);
  const parts = Number((await writer.query<{ n: string }>(`SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'eventlog.events'::regclass`)).rows[0].n);
  t.ok(parts >= 13, `the log has ${parts} partitions`);

  // The partitions one statement scanned, from a connection that did nothing else (a backend's
  // table counters are flushed at most once a second, so pg_stat_xact_user_tables can still
  // hold an earlier transaction's scans).
  const scannedBy = async (sql: string) => {
    const c = await db.connect();
    await c.query('BEGIN');
    const result = (await c.query<{ v: string }>(`SELECT (${sql})::text AS v`)).rows[0].v;
    const scanned = (await c.query<{ relname: string }>(`
      SELECT s.relname::text FROM pg_stat_xact_user_tables AS s
      JOIN pg_inherits AS i ON i.inhrelid = s.relid AND i.inhparent = 'eventlog.events'::regclass
      WHERE s.seq_scan + coalesce(s.idx_scan, 0) > 0 ORDER BY s.relname`)).rows.map((r) => r.relname);
    await c.query('COMMIT');
    await c.end();
    return { result, scanned };
  };
  const end = await scannedBy('eventlog.log_end()');
  const reference = await scannedBy(`SELECT etag FROM eventlog.events ORDER BY tx_order DESC, etag DESC LIMIT 1`);
  t.equal(end.result, reference.result, 'log_end() is the last event in log order');
  t.ok(reference.scanned.length >= parts - 1, `the same probe without the bound scans ${reference.scanned.length} partitions (the control)`);
  t.ok(end.scanned.length > 0 && end.scanned.length <= 3,
    `log_end() scanned ${end.scanned.length} of ${parts} partitions: ${end.scanned.join(', ')}`);
});

t.test('the bound never changes the answer', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.set_partition_size(${SIZE})`);
  const [writer, early, reader] = await Promise.all([db.connect(), db.connect(), db.connect()]);
  t.equal(await logEnd(reader), '0', 'an empty log ends at 0');
  await fillTo(writer, 4);
  await closePassed(writer);
  t.equal(await logEnd(reader), await lastBefore(reader), 'after closed ranges: the last event');

  // An old transaction takes its position first (its transaction id; it writes its event only at
  // the end, so that it holds no lock maintenance would wait for) and stays open while later
  // ones fill more ranges. It holds the horizon back: the answer is the last event before its
  // position, in a closed range, though the newest ranges hold later events.
  await early.query('BEGIN');
  const [{ position }] = (await early.query<{ position: string }>(
    'SELECT (pg_current_xact_id()::text::bigint + c.xid_offset)::text AS position FROM eventlog.clock AS c')).rows;
  await fillTo(writer, 8);
  const held = await lastBefore(reader, position);
  t.not(held, await lastBefore(reader), 'later events exist beyond the old transaction');
  t.equal(await logEnd(reader), held, 'while it runs: the last event before its position');
  await early.query(`INSERT INTO eventlog.events (payload) VALUES ('{"by": "early"}')`);
  await early.query('COMMIT');
  await closePassed(writer);
  t.equal(await logEnd(reader), await lastBefore(reader), 'once it committed: the last event of all');

  // Every event from the first range the bound would read on removed (as compaction removes
  // superseded changes): nothing readable is left at the closed ranges' running maximum or after
  // it, and the probe falls back to the whole log.
  const [{ tx }] = (await db.query<{ tx: string }>('SELECT tx_order::text AS tx FROM eventlog.events ORDER BY tx_order DESC LIMIT 1'));
  const [{ so_far, floor }] = (await db.query<{ so_far: string; floor: string }>(`SELECT max_tx_order_so_far::text AS so_far, from_etag::text AS floor
    FROM eventlog.partition_ranges WHERE max_tx_order_so_far = (SELECT max(max_tx_order_so_far) FROM eventlog.partition_ranges)
    ORDER BY from_etag LIMIT 1`));
  t.equal(so_far, tx, 'the closed ranges\' running maximum is the newest transaction');
  await db.query(`SELECT eventlog._remove_events(ARRAY(SELECT etag FROM eventlog.events WHERE etag >= $1::bigint), 'test')`, [floor]);
  const after = await lastBefore(reader);
  t.not(after, '0', 'older events remain');
  t.ok(BigInt(after) < BigInt(floor), `the last of them (${after}) lies below the bound (${floor})`);
  t.equal(await logEnd(reader), after, 'with the newest events removed: the last remaining event');
  await db.query(`SELECT eventlog._remove_events(ARRAY(SELECT etag FROM eventlog.events), 'test')`);
  t.equal(await logEnd(reader), '0', 'with every event removed: 0');
});
