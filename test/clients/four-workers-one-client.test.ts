// Two or more workers on one client never receive the same event and together receive all of
// them: 4 workers share the client 'shared' while 8 writers append, some of them in slow
// transactions and some rolling back. Two workers use autocommit calls, two process inside
// explicit transactions. For its first few batches each of those two keeps its transaction open
// until another worker is seen waiting for it (pg_blocking_pids), which shows that the others
// wait on the cursor rather than skip it or read past it.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';
import { sleep, waitFor, within } from '../lib/wait.ts';

const WRITERS = 8;
const TRANSACTIONS_PER_WRITER = 25;
const WORKERS = 4;
/** Batches for which each in-transaction worker holds the cursor until someone waits for it. */
const HOLDS = 3;

function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

interface Row { etag: string; tx_order: string; payload: { writer: number; seq: number } }

t.test('4 workers on one client under 8 writers: every committed event exactly once', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const committed = new Set<string>();
  let rolledBack = 0;
  let writersDone = false;

  const writer = async (w: number) => {
    const client = await db.connect();
    const rnd = random(w + 11);
    let seq = 0;
    for (let i = 0; i < TRANSACTIONS_PER_WRITER; i++) {
      const events = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ({ writer: w, seq: seq++ }));
      const roll = rnd();
      await client.query('BEGIN');
      await client.query('SELECT eventlog.log_event($1::jsonb)', [JSON.stringify(events)]);
      if (w < 2 && roll < 0.15) await sleep(300 + rnd() * 500);
      if (roll > 0.9) {
        await client.query('ROLLBACK');
        rolledBack += events.length;
      } else {
        await client.query('COMMIT');
        events.forEach((e) => committed.add(`${e.writer}:${e.seq}`));
      }
      if (rnd() < 0.3) await sleep(5);
    }
  };

  // Who waited for whom: for each held batch, the worker seen blocked by the holder (or none).
  const monitor = await db.connect();
  const workerPids: number[] = [];
  const holds: { holder: number; waiter: number | null }[] = [];
  const waiterOn = async (holder: number) => {
    const { rows } = await monitor.query<{ pid: number }>(
      'SELECT pid FROM pg_catalog.pg_stat_activity WHERE $1 = ANY (pg_catalog.pg_blocking_pids(pid)) AND pid = ANY ($2::int[])',
      [holder, workerPids]);
    return rows[0]?.pid;
  };

  const worker = async (k: number) => {
    const client: pg.Client = await db.connect();
    await client.query(`SET statement_timeout = '60s'`); // a query stuck on a lock fails the test
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    workerPids.push(pid);
    const got: Row[] = [];
    const inTransaction = k >= 2;
    let held = 0;
    let idleAfterDone = 0;
    while (idleAfterDone < 3) {
      const done = writersDone;
      let rows: Row[];
      if (inTransaction) {
        await client.query('BEGIN');
        rows = (await client.query<Row>(`SELECT etag, tx_order, payload FROM eventlog.get_event('shared', 7)`)).rows;
        if (rows.length && held < HOLDS) {
          held++;
          const waiter = await waitFor('another worker to wait on the cursor', () => waiterOn(pid), { timeoutMs: 5_000 })
            .catch(() => null);
          holds.push({ holder: pid, waiter });
        } else if (rows.length) {
          await sleep(3); // "processing" while holding the cursor
        }
        await client.query('COMMIT');
      } else {
        rows = (await client.query<Row>(`SELECT etag, tx_order, payload FROM eventlog.get_event('shared', 5)`)).rows;
      }
      got.push(...rows);
      if (rows.length === 0) {
        if (done) idleAfterDone++;
        await sleep(10);
      }
    }
    return got;
  };

  const workers = Promise.all(Array.from({ length: WORKERS }, (_, k) => worker(k)));
  workers.catch(() => {}); // awaited below
  await within('the writers to finish', Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w))), 300_000);
  writersDone = true;
  const received = await within('the workers to drain the log', workers, 120_000);

  const all = received.flat();
  const keys = all.map((r) => `${r.payload.writer}:${r.payload.seq}`);
  t.ok(rolledBack > 0, `some appends rolled back (${rolledBack} events)`);
  t.ok(received.filter((g) => g.length > 0).length >= 2, `the work was shared: ${received.map((g) => g.length).join(', ')} events per worker`);
  t.equal(holds.length, 2 * HOLDS, `the in-transaction workers held the cursor ${holds.length} times`);
  t.same(holds.filter((h) => h.waiter === null), [], 'each time, another worker waited for the holder\'s transaction');
  t.equal(new Set(keys).size, keys.length, 'no event was received twice');
  t.same(new Set(keys), committed, `together the workers received every committed event (${committed.size}) and nothing else`);

  const outOfOrder = received.flatMap((g) => g.filter((r, i) => i > 0 &&
    (BigInt(r.tx_order) < BigInt(g[i - 1].tx_order) || (r.tx_order === g[i - 1].tx_order && BigInt(r.etag) < BigInt(g[i - 1].etag)))));
  t.same(outOfOrder, [], 'each worker received its events in log order');
});
