// After a server restart, the first append finds _clock_offset()'s baked-in start time stale,
// records the new start and writes _clock_offset() again with the same offset; positions stay
// transaction id + offset. Eight writers making that first append at the same moment (released
// together from a lock the test holds, all appending to one stream) neither deadlock nor fail with
// "tuple concurrently updated": one of them rewrites the clock, the others go on without waiting
// for it. (Writers of the one stream may be refused with 40001 and retry; see the README.) Runs in a throwaway cluster of its own, since it restarts the server.
import t from 'tap';
import pg from 'pg';
import { createDatabase, provideCluster } from '../../scripts/lib/database.ts';
import { install } from '../../src/install/index.ts';
import { loginRole } from '../lib/login.ts';
import { restartCluster } from '../lib/restart.ts';

const WRITERS = 8;
// A log that has been restored once runs with an offset; a fresh install's 0 would not tell a
// kept offset from a lost one.
const OFFSET = 1_000_000;
const BARRIER = 4242;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('the first appends after a restart rewrite the clock once, keep the offset, and do not collide', async (t) => {
  const cluster = await provideCluster({ provider: 'local' });
  t.teardown(() => cluster.stop());
  const url = await createDatabase(cluster.url);
  await install({ databaseUrl: url });
  const writer = await loginRole(t, url, ['eventlog_writer']);

  const admin = async () => {
    const c = new pg.Client({ connectionString: url, statement_timeout: 60_000 });
    c.on('error', () => {});
    await c.connect();
    t.teardown(() => c.end().catch(() => {}));
    return c;
  };
  const clockState = async (c: pg.Client) => (await c.query<{ offset: string; verified_start: string; start: string; names_start: boolean }>(
    `SELECT xid_offset::text AS offset, verified_start::text, pg_postmaster_start_time()::text AS start,
            pg_get_functiondef('eventlog._clock_offset()'::regprocedure) LIKE '%' || pg_postmaster_start_time()::text || '%' AS names_start
     FROM eventlog.clock`)).rows[0];

  let su = await admin();
  await su.query(`UPDATE eventlog.clock SET xid_offset = ${OFFSET}`);
  await su.query('SELECT eventlog._write_clock_offset(c.xid_offset, c.verified_start) FROM eventlog.clock AS c');
  const app = await writer.connect();
  const { rows: [first] } = await app.query<{ tx_order: string; xid: string }>(
    `INSERT INTO eventlog.events (stream, payload) VALUES ('restart-1', '{"w": "before"}') RETURNING tx_order::text, pg_current_xact_id()::text AS xid`);
  t.equal(BigInt(first.tx_order), BigInt(first.xid) + BigInt(OFFSET), 'before the restart, a position is the transaction id plus the offset');
  const before = await clockState(su);
  t.equal(before.names_start, true, '_clock_offset() names the running server\'s start');
  await app.end();

  await restartCluster(cluster.url);
  su = await admin();
  const restarted = await clockState(su);
  t.not(restarted.start, before.start, `the server has a new start time (${restarted.start})`);
  t.same({ offset: restarted.offset, verified_start: restarted.verified_start, names_start: restarted.names_start },
    { offset: String(OFFSET), verified_start: before.start, names_start: false },
    'before any append, the clock and _clock_offset() still name the previous start');

  // Every writer queues on an advisory lock the test holds, then all are released at once.
  await su.query('SELECT pg_advisory_lock($1)', [BARRIER]);
  const clients = await Promise.all(Array.from({ length: WRITERS }, () => writer.connect()));
  // A writer refused with 40001 (its position is before that of a writer of the same stream that
  // committed first; README) retries its transaction, as a client should. Any other error fails.
  let retries = 0;
  const results = Promise.all(clients.map(async (c, w) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query('BEGIN');
        if (attempt === 0) await c.query('SELECT pg_advisory_xact_lock_shared($1)', [BARRIER]);
        // The first statement of the transaction is its first write: it evaluates the stale
        // _clock_offset(). The second appends again in the same transaction.
        const { rows: a } = await c.query<{ tx_order: string; xid: string; version: number }>(
          `INSERT INTO eventlog.events (stream, payload) VALUES ('restart-1', $1) RETURNING tx_order::text, pg_current_xact_id()::text AS xid, version`,
          [JSON.stringify({ w, i: 0 })]);
        const { rows: b } = await c.query<{ tx_order: string; xid: string }>(
          `INSERT INTO eventlog.events (payload) VALUES ($1) RETURNING tx_order::text, pg_current_xact_id()::text AS xid`,
          [JSON.stringify({ w, i: 1 })]);
        await c.query('SELECT pg_sleep(0.2)');
        await c.query('COMMIT');
        return { w, rows: [...a, ...b] };
      } catch (err) {
        const e = err as pg.DatabaseError;
        await c.query('ROLLBACK').catch(() => {});
        if (e.code !== '40001' || attempt >= 20) return { w, error: `${e.code}: ${e.message}` };
        retries++;
      }
    }
  }));
  const deadline = Date.now() + 30_000;
  let queued = 0;
  while ((queued = Number((await su.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted`, [BARRIER])).rows[0].n)) < WRITERS) {
    if (Date.now() > deadline) break;
    await sleep(10);
  }
  t.equal(queued, WRITERS, `all ${WRITERS} writers were waiting to append at once`);
  await su.query('SELECT pg_advisory_unlock($1)', [BARRIER]);
  const outcome = await results;

  t.same(outcome.filter((o) => 'error' in o).map((o) => `writer ${o.w}: ${o.error}`), [],
    `no writer failed (no deadlock, no "tuple concurrently updated"; ${retries} retries after 40001)`);
  const rows = outcome.flatMap((o) => o.rows ?? []);
  t.equal(rows.length, 2 * WRITERS, 'every writer appended both events');
  t.same(rows.filter((r) => BigInt(r.tx_order) !== BigInt(r.xid) + BigInt(OFFSET)), [],
    'after the restart, every position is still the transaction id plus the same offset');

  const after = await clockState(su);
  t.same({ offset: after.offset, verified_start: after.verified_start, names_start: after.names_start },
    { offset: String(OFFSET), verified_start: after.start, names_start: true },
    'the clock records the new start with the same offset, and _clock_offset() is written for it');

  const { rows: log } = await su.query<{ payload: { w: number | string; i?: number }; version: number | null }>(
    'SELECT payload, version FROM eventlog.get_event(0, 100)');
  t.equal(log.length, 1 + 2 * WRITERS, 'a reader gets every event');
  t.same(log[0].payload, { w: 'before' }, 'the event from before the restart comes first');
  t.same(log.filter((r) => r.version !== null).map((r) => r.version), Array.from({ length: 1 + WRITERS }, (_, i) => i + 1),
    'restart-1 has versions 1..9 in log order, no gap, no duplicate');
});
