// A consumer group changes size while writers append: two members read for a while, then three
// members start on the same client while the two go on reading for a moment (both sizes at
// once), then the two stop. The new size must start at the slowest member of the old one:
// nothing at or before that point again, everything after it exactly once. So nothing is lost,
// and the events delivered twice are exactly those the old size read past that point
// (at-least-once across a resize, and no more than that). Each member sees only its own streams,
// each in order. Every wait is bounded: a member that never reads fails the test.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';
import { sleep, waitFor, within } from '../lib/wait.ts';

const WRITERS = 6;
const TRANSACTIONS_PER_WRITER = 40;
const STREAMS = 24;

interface Row { etag: string; tx_order: string; stream: string; version: number; payload: { key: string } }
interface Batch { tick: number; rows: Row[] }
interface Member { members: number; member: number; batches: Batch[]; parked: boolean; stop: boolean }

/** (tx_order, etag) as one comparable number pair. */
type Position = [bigint, bigint];
const position = (r: { tx_order: string; etag: string }): Position => [BigInt(r.tx_order), BigInt(r.etag)];
const after = (a: Position, b: Position) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

t.test('resizing a consumer group from 2 to 3 members during writes loses nothing and repeats only the overlap', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const committed = new Set<string>();
  let writesCommitted = 0;
  let keepWriting = true; // writers write at least TRANSACTIONS_PER_WRITER, and on until both sizes have read side by side
  let writersDone = false;
  let tick = 0; // order in which batches came back, across all members

  const writer = async (w: number) => {
    const client = await db.connect();
    for (let i = 0; i < TRANSACTIONS_PER_WRITER || (keepWriting && i < 10 * TRANSACTIONS_PER_WRITER); i++) {
      const stream = `order-${(w * 7 + i) % STREAMS}`;
      const key = `${w}:${i}`;
      await client.query(`SELECT eventlog.log_event($1::jsonb, 'step', $2)`, [JSON.stringify({ key }), stream]);
      committed.add(key);
      writesCommitted++;
      await sleep(i % 5 === 0 ? 15 : 3);
    }
  };

  // A member: one connection, autocommit batches, until told to stop or, once the writers are
  // done, until its share is drained. While `paused()` it reads nothing.
  const run = async (state: Member, paused: () => boolean = () => false) => {
    const client: pg.Client = await db.connect();
    await client.query(`SET statement_timeout = '60s'`);
    let idleAfterDone = 0;
    while (!state.stop && idleAfterDone < 3) {
      if (paused()) {
        state.parked = true;
        await sleep(5);
        continue;
      }
      state.parked = false;
      const done = writersDone;
      const rows = (await client.query<Row>(
        `SELECT etag, tx_order, stream, version, payload FROM eventlog.get_event('orders', 4, $1::int, $2::int)`,
        [state.member, state.members])).rows;
      state.batches.push({ tick: ++tick, rows });
      if (rows.length === 0) {
        if (done) idleAfterDone++;
        await sleep(10);
      }
    }
  };
  const member = (members: number, m: number): Member => ({ members, member: m, batches: [], parked: false, stop: false });
  const read = (s: Member) => s.batches.flatMap((b) => b.rows);
  const firstRead = (s: Member) => s.batches.find((b) => b.rows.length > 0)?.tick;

  const writing = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  writing.catch(() => {});
  const oldSize = [member(2, 0), member(2, 1)];
  let pauseOld = false;
  const oldRunning = Promise.all(oldSize.map((s) => run(s, () => pauseOld)));
  oldRunning.catch(() => {});

  // Resize once about a third of the writes are in and both old members have read.
  await waitFor('a third of the writes and a first read by each old member',
    () => writesCommitted >= (WRITERS * TRANSACTIONS_PER_WRITER) / 3 && oldSize.every((s) => read(s).length > 0));
  // Hold the old members still for a moment, so that where they stand is known when the new size
  // is created; peek_event creates all three cursors of the new size without moving them.
  pauseOld = true;
  await waitFor('both old members to pause', () => oldSize.every((s) => s.parked));
  const admin = await db.connect();
  await admin.query('BEGIN');
  const oldCursors = (await admin.query<{ tx_order: string; etag: string }>(
    `SELECT tx_order::text, etag::text FROM eventlog.client_cursors WHERE client = 'orders' AND members = 2 ORDER BY tx_order, etag`)).rows;
  await admin.query(`SELECT * FROM eventlog.peek_event('orders', 1, 0, 3)`);
  const newCursors = (await admin.query<{ tx_order: string; etag: string }>(
    `SELECT tx_order::text, etag::text FROM eventlog.client_cursors WHERE client = 'orders' AND members = 3 ORDER BY member`)).rows;
  await admin.query('COMMIT');
  pauseOld = false;
  t.equal(oldCursors.length, 2, 'the old size has two cursors');
  t.ok(oldCursors.every((c) => c.etag !== '0'), `both old members had moved (${oldCursors.map((c) => c.etag).join(', ')})`);
  t.same(newCursors, [oldCursors[0], oldCursors[0], oldCursors[0]], 'every member of the new size starts at the slowest member of the old one');
  const start = position(oldCursors[0]);

  // Both sizes read side by side until each new member has read, and each old member has read
  // again after that.
  const newSize = [member(3, 0), member(3, 1), member(3, 2)];
  const newRunning = Promise.all(newSize.map((s) => run(s)));
  newRunning.catch(() => {});
  await waitFor('both sizes to read at the same time', () => {
    const firsts = newSize.map(firstRead);
    if (firsts.some((f) => f === undefined)) return false;
    const since = Math.min(...(firsts as number[]));
    return oldSize.every((s) => s.batches.some((b) => b.rows.length > 0 && b.tick > since));
  });
  keepWriting = false;
  for (const s of oldSize) s.stop = true;
  await within('the old members to stop', oldRunning, 60_000);
  await within('the writers to finish', writing, 120_000);
  writersDone = true;
  await within('the new members to drain the log', newRunning, 120_000);

  const log = await db.query<{ key: string; tx_order: string; etag: string; stream: string; m2: number; m3: number }>(
    `SELECT payload->>'key' AS key, tx_order::text, etag::text, stream,
            eventlog.stream_member(stream, 2) AS m2, eventlog.stream_member(stream, 3) AS m3
     FROM eventlog.events`);
  const byKey = new Map(log.map((e) => [e.key, e]));
  const afterStart = new Set(log.filter((e) => after(position(e), start)).map((e) => e.key));
  t.ok(afterStart.size > 0 && afterStart.size < log.length, `the start point lies inside the log (${log.length - afterStart.size} events at or before it, ${afterStart.size} after)`);

  const oldKeys = oldSize.flatMap(read).map((r) => r.payload.key);
  const newKeys = newSize.flatMap(read).map((r) => r.payload.key);
  const received = new Map<string, number>();
  for (const k of [...oldKeys, ...newKeys]) received.set(k, (received.get(k) ?? 0) + 1);
  t.same([...committed].filter((k) => !received.has(k)), [], 'no committed event was lost across the resize');
  t.same(newKeys.filter((k) => !afterStart.has(k)), [], 'the new size delivered nothing at or before its start point');
  t.equal(new Set(newKeys).size, newKeys.length, 'the new size delivered no event twice');
  t.same(new Set(newKeys), afterStart, 'the new size delivered every event after its start point');
  const again = new Set([...received].filter(([, n]) => n > 1).map(([k]) => k));
  const overlap = new Set(oldKeys.filter((k) => afterStart.has(k)));
  t.ok(overlap.size > 0, `the old size read ${overlap.size} events past the start point`);
  t.same(again, overlap, `exactly those ${overlap.size} events were delivered twice, and no others`);

  for (const s of [...oldSize, ...newSize]) {
    const rows = read(s);
    const label = `member ${s.member} of ${s.members}`;
    t.equal(new Set(rows.map((r) => r.payload.key)).size, rows.length, `${label} got no event twice`);
    t.same(rows.filter((r) => (s.members === 2 ? byKey.get(r.payload.key)!.m2 : byKey.get(r.payload.key)!.m3) !== s.member), [],
      `${label} got only the streams stream_member gives it`);
    const lastVersion = new Map<string, number>();
    const disorder: string[] = [];
    for (const r of rows) {
      if ((lastVersion.get(r.stream) ?? 0) >= r.version) disorder.push(`${r.stream}@${r.version}`);
      lastVersion.set(r.stream, r.version);
    }
    t.same(disorder, [], `${label} got each of its streams in order`);
  }

  const cursors = await db.query<{ members: number; superseded: boolean }>(
    `SELECT members, superseded FROM eventlog.clients WHERE client = 'orders' ORDER BY members, member`);
  t.same(cursors.map((c) => [c.members, c.superseded]), [[2, true], [2, true], [3, false], [3, false], [3, false]],
    'the clients view shows the old size as superseded');
  await db.query(`SELECT eventlog.drop_client('orders', 2)`);
  t.same((await db.query<{ members: number }>(`SELECT members FROM eventlog.clients WHERE client = 'orders'`)).map((c) => c.members), [3, 3, 3],
    'and drop_client removes it, leaving the new size');
});
