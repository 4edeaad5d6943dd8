// Idempotency keys under real concurrency: 16 connections repeat one append_to_stream call with
// the same key at once, 20 times over, each holding its transaction open a moment after the
// call. The events are written once, and every caller that commits receives the first call's rows
// — also the callers whose call overlapped the first one's open transaction. In some rounds the
// first caller rolls back while the others wait: then the next caller's call is the first one.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';

const CALLERS = 16;
const ROUNDS = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Outcome {
  caller: number;
  committed: boolean;
  etags?: string[];
  code?: string;
  message?: string;
}

async function call(client: pg.Client, caller: number, stream: string, key: string, events: unknown, commit: boolean,
  hold: number, claimed?: () => void): Promise<Outcome> {
  await client.query('BEGIN');
  try {
    const r = await client.query<{ etag: string }>(
      'SELECT etag FROM eventlog.append_to_stream($1, $2, NULL, $3)', [stream, JSON.stringify(events), key]);
    claimed?.();
    await sleep(hold);
    await client.query(commit ? 'COMMIT' : 'ROLLBACK');
    return { caller, committed: commit, etags: r.rows.map((row) => row.etag) };
  } catch (err) {
    await client.query('ROLLBACK');
    const e = err as { code?: string; message?: string };
    return { caller, committed: false, code: e.code, message: e.message };
  }
}

t.test('16 callers with one idempotency key: written once, every committed caller gets the first call\'s rows', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const clients = await Promise.all(Array.from({ length: CALLERS }, () => db.connect()));

  for (let round = 0; round < ROUNDS; round++) {
    const stream = `wallet-${round}`;
    const key = `transfer-${round}`;
    const events = [{ type: 'withdrawn', payload: { amount: 10, round } }, { type: 'fee_charged', payload: { amount: 1 } }];
    const firstRollsBack = round % 4 === 3;

    let outcomes: Outcome[];
    let first: Outcome | undefined;
    if (firstRollsBack) {
      // Caller 0 makes the first call and rolls back after the others have piled up behind its key.
      let claimed!: () => void;
      const hasClaimed = new Promise<void>((resolve) => (claimed = resolve));
      const firstCall = call(clients[0], 0, stream, key, events, false, 150, claimed);
      await hasClaimed;
      const rest = clients.slice(1).map((c, i) => call(c, i + 1, stream, key, events, true, 20));
      first = await firstCall;
      outcomes = await Promise.all(rest);
    } else {
      outcomes = await Promise.all(clients.map((c, i) => call(c, i, stream, key, events, true, 50)));
    }

    t.same(outcomes.filter((o) => o.code).map((o) => `${o.code} ${o.message}`), [], `round ${round}: no caller got an error`);
    const logged = await db.query<{ etag: string }>('SELECT etag FROM eventlog.events WHERE stream = $1 ORDER BY version', [stream]);
    t.equal(logged.length, events.length, `round ${round}: the events are in the log once`);
    const etags = logged.map((r) => r.etag);
    t.ok(outcomes.every((o) => JSON.stringify(o.etags) === JSON.stringify(etags)),
      `round ${round}: all ${outcomes.length} committed callers received the same rows, the ones in the log`);
    if (first) {
      t.equal(first.etags?.length, events.length, `round ${round}: the rolled-back first call had appended`);
      t.notOk(first.etags?.some((e) => etags.includes(e)), `round ${round}: none of its rows is in the log`);
    }
    const [k] = await db.query<{ first_version: number; last_version: number }>(
      'SELECT first_version, last_version FROM eventlog.idempotency_keys WHERE idempotency_key = $1', [key]);
    t.same(k, { first_version: 1, last_version: 2 }, `round ${round}: the key records versions 1 to 2`);
  }
});

t.test('a caller reusing a key with other events waits for the first call, then gets EL021', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const [a, b, c] = await Promise.all([db.connect(), db.connect(), db.connect()]);
  const bPid = (await b.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const events = [{ type: 'withdrawn', payload: { amount: 10 } }];
  const other = [{ type: 'withdrawn', payload: { amount: 99 } }];

  await a.query('BEGIN');
  await a.query('SELECT eventlog.append_to_stream($1, $2, 0, $3)', ['wallet-x', JSON.stringify(events), 'req-1']);
  const reuse = b.query('SELECT eventlog.append_to_stream($1, $2, NULL, $3)', ['wallet-x', JSON.stringify(other), 'req-1'])
    .then(() => 'appended', (err: { code?: string }) => err.code);
  // b is blocked on a's claimed key until a commits.
  await sleep(100);
  const [waiting] = (await c.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [bPid])).rows;
  t.equal(waiting.n, '1', 'the second caller waits for the first one\'s transaction');
  await a.query('COMMIT');
  t.equal(await reuse, 'EL021', 'then it is refused with EL021');
  const [{ n }] = (await c.query<{ n: string }>(`SELECT count(*) AS n FROM eventlog.events WHERE stream = 'wallet-x'`)).rows;
  t.equal(n, '1', 'and only the first call\'s event is in the log');

  await a.query('BEGIN');
  await a.query('SELECT eventlog.append_to_stream($1, $2, NULL, $3)', ['wallet-y', JSON.stringify(events), 'req-2']);
  const after = b.query<{ version: number }>('SELECT version FROM eventlog.append_to_stream($1, $2, NULL, $3)', ['wallet-y', JSON.stringify(other), 'req-2']);
  await sleep(100);
  await a.query('ROLLBACK');
  t.same((await after).rows.map((r) => r.version), [1], 'when the first call rolls back, the waiting call with other events is the first call');
});

t.test('under REPEATABLE READ, a caller whose snapshot predates the first call\'s commit gets 40001', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const [a, b] = await Promise.all([db.connect(), db.connect()]);
  const events = JSON.stringify([{ type: 'withdrawn', payload: { amount: 10 } }]);
  await b.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  await b.query('SELECT 1'); // takes b's snapshot
  await a.query(`SELECT eventlog.append_to_stream('wallet-rr', $1, NULL, 'req-rr')`, [events]);
  const code = await b.query(`SELECT eventlog.append_to_stream('wallet-rr', $1, NULL, 'req-rr')`, [events])
    .then(() => 'returned', (err: { code?: string }) => err.code);
  await b.query('ROLLBACK');
  t.equal(code, '40001', 'serialization failure: retry the transaction');
  const retried = await b.query<{ version: number }>(`SELECT version FROM eventlog.append_to_stream('wallet-rr', $1, NULL, 'req-rr')`, [events]);
  t.same(retried.rows, [{ version: 1 }], 'the retry returns the first call\'s row');
});
