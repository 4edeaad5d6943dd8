// A consumer group changes size while writers append: two members read for a while, stop, and
// three members take over. Nothing may be lost; events between the slowest old member and the
// others are delivered again (at-least-once across a resize). Each member sees each of its
// streams in order, and every stream goes to one member per group size.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';

const WRITERS = 6;
const TRANSACTIONS_PER_WRITER = 40;
const STREAMS = 24;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row { etag: string; stream: string; version: number; payload: { key: string } }
interface Got { members: number; member: number; rows: Row[] }

t.test('resizing a consumer group from 2 to 3 members during writes loses nothing', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const committed = new Set<string>();
  let writersDone = false;
  let writesCommitted = 0;

  const writer = async (w: number) => {
    const client = await db.connect();
    for (let i = 0; i < TRANSACTIONS_PER_WRITER; i++) {
      const stream = `order-${(w * 7 + i) % STREAMS}`;
      const key = `${w}:${i}`;
      await client.query(`SELECT eventlog.log_event($1::jsonb, 'step', $2)`, [JSON.stringify({ key }), stream]);
      committed.add(key);
      writesCommitted++;
      await sleep(i % 5 === 0 ? 15 : 2);
    }
  };

  // A member: one connection, autocommit batches, until told to stop (old size) or, once the
  // writers are done, until the log is drained.
  const member = async (members: number, m: number, stop: () => boolean, rows: Row[] = []): Promise<Got> => {
    const client: pg.Client = await db.connect();
    let idleAfterDone = 0;
    while (!stop() && idleAfterDone < 3) {
      const done = writersDone;
      const batch = (await client.query<Row>(
        `SELECT etag, stream, version, payload FROM eventlog.get_event('orders', 4, $1::int, $2::int)`, [m, members])).rows;
      rows.push(...batch);
      if (batch.length === 0) {
        if (done) idleAfterDone++;
        await sleep(10);
      }
    }
    return { members, member: m, rows };
  };

  const writing = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  let oldStopped = false;
  const oldRows: Row[][] = [[], []];
  const oldGroup = Promise.all([0, 1].map((m) => member(2, m, () => oldStopped, oldRows[m])));
  // Resize once about a third of the writes are in and both old members have read; the writers
  // keep going throughout.
  while (writesCommitted < (WRITERS * TRANSACTIONS_PER_WRITER) / 3 || oldRows.some((r) => r.length === 0)) await sleep(10);
  oldStopped = true;
  const before = await oldGroup;
  const newGroup = Promise.all([0, 1, 2].map((m) => member(3, m, () => false)));
  await writing;
  writersDone = true;
  const after = await newGroup;
  const everyone = [...before, ...after];

  const received = new Map<string, number>();
  for (const g of everyone) for (const r of g.rows) received.set(r.payload.key, (received.get(r.payload.key) ?? 0) + 1);
  const lost = [...committed].filter((k) => !received.has(k));
  t.ok(before.every((g) => g.rows.length > 0), `the old size read before the resize (${before.map((g) => g.rows.length).join(', ')} events)`);
  t.ok(after.every((g) => g.rows.length > 0), `the new size read after it (${after.map((g) => g.rows.length).join(', ')} events)`);
  t.equal(committed.size, WRITERS * TRANSACTIONS_PER_WRITER, 'every append committed');
  t.same(lost, [], 'no committed event was lost across the resize');
  const again = [...received.values()].filter((n) => n > 1).length;
  t.ok(again <= committed.size, `${again} events were delivered again (at-least-once across a resize)`);

  for (const g of everyone) {
    const { rows } = g;
    const keysOnce = new Set(rows.map((r) => r.payload.key));
    t.equal(keysOnce.size, rows.length, `member ${g.member} of ${g.members} got no event twice`);
    const lastVersion = new Map<string, number>();
    const disorder: string[] = [];
    for (const r of rows) {
      if ((lastVersion.get(r.stream) ?? 0) >= r.version) disorder.push(`${r.stream}@${r.version}`);
      lastVersion.set(r.stream, r.version);
    }
    t.same(disorder, [], `member ${g.member} of ${g.members} got each of its streams in order`);
  }
  const owners = new Map<string, Set<number>>();
  for (const g of after) for (const r of g.rows) (owners.get(r.stream) ?? owners.set(r.stream, new Set()).get(r.stream)!).add(g.member);
  t.same([...owners.values()].filter((s) => s.size > 1), [], 'in the new size every stream went to one member');

  const cursors = await db.query<{ members: number; superseded: boolean }>(
    `SELECT members, superseded FROM eventlog.clients WHERE client = 'orders' ORDER BY members, member`);
  t.same(cursors.map((c) => [c.members, c.superseded]), [[2, true], [2, true], [3, false], [3, false], [3, false]],
    'the clients view shows the old size as superseded');
  await db.query(`SELECT eventlog.drop_client('orders', 2)`);
  t.equal((await db.query(`SELECT * FROM eventlog.clients WHERE client = 'orders'`)).length, 3, 'and drop_client removes it');
});
