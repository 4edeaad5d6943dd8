// A stream's events in log order carry increasing versions (README, docs/ordering.md), so that a
// consumer-group member "sees every stream it owns in stream order" (docs/cursors.md). A
// transaction's position is fixed at its first write, so one that wrote something else, then
// appended to a stream after a later-positioned transaction appended to it and committed, would put version 2 before version
// 1; that append is refused with 40001 and the retry lands after.
//
// The second test releases 8 writers at once whose first write is an append to one stream: they
// queue on the stream before they take a transaction id (the append check's advisory lock, which
// needs none; the etag is taken in the trigger too, since a sequence's nextval() can take an id),
// so their ids come in the order of their versions and none is refused.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';

const BARRIER = 4343;
const WRITERS = 8;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('a stream\'s versions increase in log order; a late append from an earlier position is refused with 40001', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const writer = await loginRole(t, db.url, ['eventlog_writer']);
  const [a, b] = [await writer.connect(), await writer.connect()];

  const refusals: string[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      // A takes its position with an event of no stream, then B appends to s and commits, then A.
      await a.query('BEGIN');
      await a.query(`INSERT INTO eventlog.events (payload) VALUES ($1)`, [JSON.stringify({ by: 'a', attempt, first: true })]);
      if (attempt === 1) await b.query(`INSERT INTO eventlog.events (stream, payload) VALUES ('s', '{"by": "b"}')`);
      await a.query(`INSERT INTO eventlog.events (stream, payload) VALUES ('s', $1)`, [JSON.stringify({ by: 'a', attempt })]);
      await a.query('COMMIT');
      break;
    } catch (err) {
      await a.query('ROLLBACK');
      const e = err as pg.DatabaseError;
      if (e.code !== '40001' || attempt >= 3) throw err;
      refusals.push(`${e.code}: ${e.message}`);
    }
  }
  t.same(refusals, ["40001: stream 's' was appended to by a transaction that began writing after this one and committed first"],
    'A\'s first attempt is refused with 40001, naming the stream; its retry succeeds');

  const log = await db.query<{ stream: string | null; version: number | null; payload: { by: string; attempt?: number } }>(
    'SELECT stream, version, payload FROM eventlog.get_event(0, 100)');
  const s = log.filter((r) => r.stream === 's');
  t.same(s.map((r) => [r.payload.by, r.version]), [['b', 1], ['a', 2]], 'in log order, s has B\'s version 1, then A\'s version 2');
  t.same(log.filter((r) => r.payload.by === 'a').map((r) => r.payload.attempt), [2, 2], 'nothing of A\'s refused attempt is in the log');
});

t.test('writers whose first write is the stream append, racing, are not refused', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const writer = await loginRole(t, db.url, ['eventlog_writer']);
  const holder = await db.connect();
  await holder.query('SELECT pg_advisory_lock($1)', [BARRIER]);
  const clients = await Promise.all(Array.from({ length: WRITERS }, () => writer.connect()));
  const outcome = Promise.all(clients.map(async (c, w) => {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock_shared($1)', [BARRIER]); // takes no transaction id
    try {
      await c.query(`INSERT INTO eventlog.events (stream, payload) VALUES ('s', $1)`, [JSON.stringify({ w })]);
      await c.query('SELECT pg_sleep(0.1)');
      await c.query('COMMIT');
      return undefined;
    } catch (err) {
      await c.query('ROLLBACK');
      const e = err as pg.DatabaseError;
      return `writer ${w}: ${e.code}: ${e.message}`;
    }
  }));
  const deadline = Date.now() + 30_000;
  let queued = 0;
  while ((queued = Number((await holder.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted`, [BARRIER])).rows[0].n)) < WRITERS) {
    if (Date.now() > deadline) break;
    await sleep(10);
  }
  t.equal(queued, WRITERS, `all ${WRITERS} writers were waiting to append at once`);
  await holder.query('SELECT pg_advisory_unlock($1)', [BARRIER]);
  const failures = (await outcome).filter((f) => f !== undefined);

  t.same(failures.filter((f) => !f.includes(': 40001: ')), [], 'no writer failed with anything but 40001');
  const versions = (await db.query<{ version: number }>(`SELECT version FROM eventlog.get_event(0, 100) WHERE stream = 's'`)).map((r) => r.version);
  t.same(versions, versions.map((_, i) => i + 1), `the ${versions.length} committed appends have versions 1..${versions.length} in log order`);
  t.same(failures, [], 'no writer was refused: a first write that is the stream append never meets 40001');
});
