// Optimistic concurrency under real concurrency: 16 connections call append_to_stream with the
// same expected version at once, 20 times over. Exactly one call wins each round; every other
// one gets EL020 naming the version the winner left behind — never a deadlock, never a unique
// violation from the (stream, version) index, never two winners.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';

const CALLERS = 16;
const ROUNDS = 20;

interface Outcome {
  caller: number;
  sentAt: number;
  versions?: number[];
  code?: string;
  message?: string;
}

t.test('16 writers with the same expected version: one winner per round, EL020 for the rest', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const clients = await Promise.all(Array.from({ length: CALLERS }, () => db.connect()));

  for (let round = 0; round < ROUNDS; round++) {
    const stream = `account-${round}`;
    // Even rounds race to create the stream (expected 0), odd rounds race on a stream at version 3.
    const expected = round % 2 === 0 ? 0 : 3;
    // Rounds 0, 1, 4, 5, … append one event (append_to_stream's one-event path), the others two.
    const n = round % 4 < 2 ? 1 : 2;
    if (expected > 0) {
      const seed = Array.from({ length: expected }, (_, i) => ({ type: 'seeded', payload: { i } }));
      await db.query('SELECT eventlog.append_to_stream($1, $2)', [stream, JSON.stringify(seed)]);
    }
    let winnerCommittedAt = Infinity;
    const outcomes = await Promise.all(clients.map(async (client, caller): Promise<Outcome> => {
      const events = [{ type: 'deposited', payload: { caller } }, { type: 'noted', payload: { caller } }].slice(0, n);
      await client.query('BEGIN');
      const sentAt = Date.now();
      try {
        const r = await client.query<{ version: number }>(
          'SELECT version FROM eventlog.append_to_stream($1, $2, $3)', [stream, JSON.stringify(events), expected]);
        // The winner keeps its transaction open a moment, so the others queue behind its stream lock.
        await client.query('SELECT pg_sleep(0.05)');
        await client.query('COMMIT');
        winnerCommittedAt = Date.now();
        return { caller, sentAt, versions: r.rows.map((row) => row.version) };
      } catch (err) {
        await client.query('ROLLBACK');
        const e = err as { code?: string; message?: string };
        return { caller, sentAt, code: e.code, message: e.message };
      }
    }));

    const winners = outcomes.filter((o) => o.versions);
    const losers = outcomes.filter((o) => !o.versions);
    t.equal(winners.length, 1, `round ${round}: exactly one winner`);
    const appended = Array.from({ length: n }, (_, i) => expected + 1 + i);
    t.same(winners[0]?.versions, appended, `round ${round}: the winner appended versions ${appended.join(', ')}`);
    t.same([...new Set(losers.map((o) => o.code))], ['EL020'], `round ${round}: every other caller got EL020 (no deadlock, no unique violation)`);
    t.ok(losers.every((o) => o.message === `stream '${stream}' is at version ${expected + n}, not at the expected version ${expected}`),
      `round ${round}: each conflict names the stream, the actual and the expected version`);
    t.ok(outcomes.filter((o) => o.sentAt < winnerCommittedAt).length >= CALLERS / 2,
      `round ${round}: at least half the calls were sent while the winner's transaction was open`);

    const rows = await db.query<{ version: number; caller: number | null }>(
      `SELECT version, (payload ->> 'caller')::int AS caller FROM eventlog.events WHERE stream = $1 ORDER BY version`, [stream]);
    t.same(rows.map((r) => r.version), Array.from({ length: expected + n }, (_, i) => i + 1),
      `round ${round}: the stream holds versions 1..${expected + n}, no gap, no duplicate`);
    t.same(rows.slice(expected).map((r) => r.caller), appended.map(() => winners[0]?.caller), `round ${round}: the new events are the winner's`);
  }
});

t.test('under REPEATABLE READ, a writer whose snapshot predates another append to the stream gets 40001', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const [a, b] = await Promise.all([db.connect(), db.connect()]);
  const events = JSON.stringify([{ type: 'deposited', payload: { amount: 1 } }]);
  await a.query(`SELECT eventlog.append_to_stream('account-rr', $1, 0)`, [events]);
  await b.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  t.same((await b.query(`SELECT eventlog.stream_version('account-rr') AS v`)).rows, [{ v: 1 }], 'b reads version 1');
  await a.query(`SELECT eventlog.append_to_stream('account-rr', $1, 1)`, [events]);
  const code = await b.query(`SELECT eventlog.append_to_stream('account-rr', $1, 1)`, [events])
    .then(() => 'appended', (err: { code?: string }) => err.code);
  await b.query('ROLLBACK');
  t.equal(code, '40001', 'serialization failure rather than EL020: retry the transaction, which then sees version 2');
  const [{ n }] = (await a.query<{ n: string }>(`SELECT count(*) AS n FROM eventlog.events WHERE stream = 'account-rr'`)).rows;
  t.equal(n, '2', 'and b wrote nothing');
});

t.test('expected_version 0 while log_event is creating the stream: EL020 once that commits', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const [a, b, observer] = await Promise.all([db.connect(), db.connect(), db.connect()]);
  const bPid = (await b.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  await a.query('BEGIN');
  await a.query(`SELECT eventlog.log_event('{"n": 1}', 'opened', 'account-mixed')`);
  const creating = b.query(`SELECT version FROM eventlog.append_to_stream('account-mixed', '[{"type": "opened", "payload": {}}]', 0)`)
    .then(() => 'appended', (err: { code?: string; message?: string }) => `${err.code} ${err.message}`);
  let waiting = false;
  for (let i = 0; i < 50 && !waiting; i++) {
    const { rows } = await observer.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [bPid]);
    waiting = rows[0].n === '1';
    if (!waiting) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.ok(waiting, 'append_to_stream waits for the uncommitted creation of the stream');
  await a.query('COMMIT');
  t.equal(await creating, "EL020 stream 'account-mixed' is at version 1, not at the expected version 0", 'then it is refused with EL020');
  const { rows } = await observer.query(`SELECT version, event_type FROM eventlog.events WHERE stream = 'account-mixed'`);
  t.same(rows, [{ version: 1, event_type: 'opened' }], 'and only log_event\'s event is in the stream');
});

t.test('16 writers without an expected version on one stream: all append, versions 1..16 in log order', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const clients = await Promise.all(Array.from({ length: CALLERS }, () => db.connect()));
  for (let round = 0; round < ROUNDS; round++) {
    const stream = `hot-${round}`;
    const outcomes = await Promise.all(clients.map((c, caller) =>
      c.query('SELECT version FROM eventlog.append_to_stream($1, $2)', [stream, JSON.stringify([{ type: 'ticked', payload: { caller } }])])
        .then(() => 'ok', (err: { code?: string }) => err.code)));
    t.same(outcomes.filter((o) => o !== 'ok'), [], `round ${round}: every call appended (no 40001, no deadlock)`);
    const rows = await db.query<{ version: number }>(
      'SELECT version FROM eventlog.events WHERE stream = $1 ORDER BY tx_order, etag', [stream]);
    t.same(rows.map((r) => r.version), Array.from({ length: CALLERS }, (_, i) => i + 1), `round ${round}: versions 1..16 in log order`);
  }
});
