// At-least-once delivery of one table's changes to work outside the database (docs/capture.md,
// "Peek and ack"): two competing consumers share one change client through peek_changes and
// ack_changes while 4 writers insert, update and delete rows of the tracked table and a compactor
// removes superseded revisions. The consumers keep a copy of the table outside the database,
// applying each change only when its version is newer than the copy's (what an at-least-once
// consumer does). Every 7th batch a consumer dies between peek and ack (its connection closes),
// every 7th (another) it acknowledges in a transaction that rolls back, and every 3rd it works
// slowly, until compaction has removed the change it is about to acknowledge (or 1 s). At the end the copy equals the table row by
// row, every change still in the log was delivered at least once, and each consumer connection
// received its changes in log order (a new sequence starting at the cursor after each rolled-back
// ack).
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';
import { sleep, within } from '../lib/wait.ts';

const WRITERS = 4;
const TRANSACTIONS_PER_WRITER = 60;
const KEYS = 16;
const BATCH = 6;

function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const RETRYABLE = new Set(['40001', '40P01', '23505']);

interface Change {
  etag: string;
  tx_order: string;
  event_type: 'insert' | 'update' | 'delete';
  stream: string;
  version: number;
  payload: Record<string, unknown>;
}

const position = (e: { tx_order: string; etag: string }) => [BigInt(e.tx_order), BigInt(e.etag)] as const;
const before = (a: readonly [bigint, bigint], b: readonly [bigint, bigint]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

t.test('two competing consumers with peek/ack keep an exact copy while 4 writers change the table and compaction runs', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query('CREATE TABLE public.accounts (id integer PRIMARY KEY, owner text NOT NULL, balance integer NOT NULL)');
  await db.query(`INSERT INTO public.accounts SELECT g, 'owner-' || g, 100 FROM generate_series(1, ${KEYS / 2}) AS g`);
  await db.query(`SELECT eventlog.track_table('public.accounts')`);

  let writersDone = false;
  let committed = 0;
  const writer = async (w: number) => {
    const client = await db.connect();
    const rnd = random(w + 7);
    const key = () => 1 + Math.floor(rnd() * KEYS);
    for (let i = 0; i < TRANSACTIONS_PER_WRITER; i++) {
      try {
        await client.query('BEGIN');
        const op = rnd();
        if (op < 0.3) {
          await client.query('INSERT INTO public.accounts VALUES ($1, $2, 0) ON CONFLICT (id) DO UPDATE SET balance = accounts.balance + 1',
            [key(), `writer-${w}`]);
        } else if (op < 0.8) {
          await client.query('UPDATE public.accounts SET balance = balance + $2, owner = $3 WHERE id = $1', [key(), 1 + Math.floor(rnd() * 9), `writer-${w}`]);
        } else {
          await client.query('DELETE FROM public.accounts WHERE id = $1', [key()]);
        }
        await client.query('COMMIT');
        committed++;
      } catch (err) {
        await client.query('ROLLBACK');
        if (!RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
      }
      await sleep(12);
    }
  };

  // Revisions only (tombstones stay, so that a consumer behind sees every delete), in small batches.
  let revisionsRemoved = 0;
  let compactorCalls = 0;
  const compactor = async () => {
    const client = await db.connect();
    while (!writersDone) {
      const { rows: [r] } = await client.query<{ revisions_removed: string }>(`SELECT revisions_removed FROM eventlog.compact('0', NULL, 300)`);
      revisionsRemoved += Number(r.revisions_removed);
      compactorCalls++;
      await sleep(10);
    }
  };

  // The copy outside the database: stream -> the newest version applied and the row (null: deleted).
  const copy = new Map<string, { version: number; row: Record<string, unknown> | null }>();
  const delivered = new Map<string, number>(); // etag -> times delivered
  const faults: string[] = [];
  const stats = { batches: [0, 0], crashes: 0, rolledBackAcks: 0, behind: 0, acksOfRemoved: 0 };

  const consumer = async (n: number) => {
    // eventlog.synchronous_cursors: consumer 1 commits every cursor write as configured, consumer 0 relaxed (the default).
    const open = async () => {
      const c = await db.connect();
      if (n === 1) await c.query('SET eventlog.synchronous_cursors = on');
      return c;
    };
    let client = await open();
    let session = { last: [-2n, -2n] as readonly [bigint, bigint], versions: new Map<string, number>() };
    let idleAfterDone = 0;
    while (idleAfterDone < 3) {
      const done = writersDone;
      const { rows } = await client.query<Change>(
        `SELECT etag, tx_order, event_type, stream, version, payload FROM eventlog.peek_changes('public.accounts', 'mirror', $1)`, [BATCH]);
      if (rows.length === 0) {
        if (done) idleAfterDone++;
        await sleep(5);
        continue;
      }
      idleAfterDone = 0;
      stats.batches[n]++;
      // Never out of order: within one connection, every change comes after the one before it,
      // and a row's versions only go up.
      for (const e of rows) {
        if (!e.stream.startsWith('public.accounts:')) faults.push(`etag ${e.etag} of stream ${e.stream} delivered`);
        if (!before(session.last, position(e))) faults.push(`consumer ${n}: etag ${e.etag} at ${e.tx_order} after ${session.last.join('/')}`);
        session.last = position(e);
        const v = session.versions.get(e.stream) ?? 0;
        if (e.version <= v) faults.push(`consumer ${n}: ${e.stream} version ${e.version} after ${v}`);
        session.versions.set(e.stream, e.version);
        delivered.set(e.etag, (delivered.get(e.etag) ?? 0) + 1);
      }
      // Every 7th batch the consumer dies before it acks, every 7th (another) it acks in a
      // transaction that rolls back, every 3rd it works slowly.
      const k = stats.batches[n];
      const dies = k % 7 === 3;
      const rollsBack = k % 7 === 5;
      if (dies) {
        // Dies between peek and ack: nothing applied, nothing acknowledged.
        await client.end();
        client = await open();
        session = { last: [-2n, -2n], versions: new Map() };
        stats.crashes++;
        continue;
      }
      for (const e of rows) {
        const cur = copy.get(e.stream);
        if (!cur || e.version > cur.version) copy.set(e.stream, { version: e.version, row: e.event_type === 'delete' ? null : e.payload });
      }
      const last = rows[rows.length - 1].etag;
      if (k % 3 === 0 && !writersDone) {
        // Slow work: up to 1 s, or until compaction has removed the change it is about to acknowledge.
        for (let waited = 0; waited < 1000; waited += 20) {
          const { rows: [g] } = await client.query<{ gone: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM eventlog.events WHERE etag = $1) AS gone', [last]);
          if (g.gone) break;
          await sleep(20);
        }
      }
      try {
        if (rollsBack) {
          await client.query('BEGIN');
          await client.query(`SELECT eventlog.ack_changes('public.accounts', 'mirror', $1)`, [last]);
          await client.query('ROLLBACK');
          stats.rolledBackAcks++;
          // The next peek starts at the cursor again: a new delivery sequence.
          session = { last: [-2n, -2n], versions: new Map() };
        } else {
          const { rows: [r] } = await client.query<{ removed: boolean }>(
            'SELECT NOT EXISTS (SELECT 1 FROM eventlog.events WHERE etag = $1) AS removed', [last]);
          await client.query(`SELECT eventlog.ack_changes('public.accounts', 'mirror', $1)`, [last]);
          if (r.removed) stats.acksOfRemoved++;
        }
      } catch (err) {
        if (rollsBack) await client.query('ROLLBACK');
        // The other consumer acknowledged further already: ours is behind the cursor.
        if ((err as { code?: string }).code !== 'EL010') throw err;
        stats.behind++;
      }
    }
  };

  const consumers = Promise.all([consumer(0), consumer(1)]);
  const compacting = compactor();
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  writersDone = true;
  await compacting;
  await within('both consumers to drain the client', consumers, 120_000);

  t.ok(committed > WRITERS * TRANSACTIONS_PER_WRITER / 2, `the writers committed ${committed} transactions`);
  t.ok(revisionsRemoved > 0, `compaction removed ${revisionsRemoved} revisions in ${compactorCalls} calls while the consumers ran`);
  t.ok(stats.batches[0] > 0 && stats.batches[1] > 0, `both consumers got batches (${stats.batches.join(', ')})`);
  t.ok(stats.crashes > 0 && stats.rolledBackAcks > 0, `consumers died between peek and ack ${stats.crashes} times and rolled an ack back ${stats.rolledBackAcks} times`);
  // Whether a slow batch's last change gets compacted before its ack depends on timing (the
  // writers may finish first); the next subtest makes that case happen every time.
  t.comment(`acks naming a change compaction had removed since its peek: ${stats.acksOfRemoved}`);
  t.comment(`acks behind the other consumer's: ${stats.behind}`);
  t.same(faults, [], 'every consumer connection got the table\'s changes in log order, each row\'s versions going up');

  const inLog = (await db.query<{ etag: string }>(`SELECT etag FROM eventlog.get_changes('public.accounts', 0, 10000)`)).map((r) => r.etag);
  t.same(inLog.filter((e) => !delivered.has(e)), [], `every change still in the log (${inLog.length}) was delivered at least once`);
  t.ok([...delivered.values()].some((n) => n > 1), 'and some were delivered again (after a death or a rolled-back ack)');

  const table = (await db.query<{ row: Record<string, unknown> }>('SELECT to_jsonb(a) AS row FROM public.accounts AS a ORDER BY id')).map((r) => r.row);
  const rebuilt = [...copy.values()].flatMap((v) => (v.row ? [v.row] : [])).sort((a, b) => (a.id as number) - (b.id as number));
  t.ok(table.length > 0, `the table ends with ${table.length} rows`);
  t.same(rebuilt, table, 'the copy kept from peek/ack equals the table, row by row, revisions included');
  const [cursor] = await db.query<{ etag: string; peeked_etag: string }>(`SELECT etag, peeked_etag FROM eventlog.change_cursors WHERE client = 'mirror'`);
  t.equal(cursor.etag, inLog[inLog.length - 1], 'the client\'s cursor ends at the last change of the table');
});

t.test('an ack naming a change that compaction removed after the peek is accepted, and the next peek goes on after it', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query('CREATE TABLE public.accounts (id integer PRIMARY KEY, balance integer NOT NULL)');
  await db.query('INSERT INTO public.accounts VALUES (1, 0), (2, 0)');
  await db.query(`SELECT eventlog.track_table('public.accounts')`);
  const peek = async (n: number) => (await db.query<{ etag: string; stream: string; version: number }>(
    `SELECT etag, stream, version FROM eventlog.peek_changes('public.accounts', 'mirror', $1)`, [n]));
  const gone = async (etag: string) => (await db.query<{ gone: boolean }>(
    'SELECT NOT EXISTS (SELECT 1 FROM eventlog.events WHERE etag = $1) AS gone', [etag]))[0].gone;

  const backfill = await peek(10);
  t.same(backfill.map((e) => [e.stream, e.version]), [['public.accounts:1', 1], ['public.accounts:2', 1]], 'the backfill is peeked first');
  await db.query(`SELECT eventlog.ack_changes('public.accounts', 'mirror', $1)`, [backfill[1].etag]);

  await db.query('UPDATE public.accounts SET balance = 1 WHERE id = 1');
  const [peeked] = await peek(10);
  t.same([peeked.stream, peeked.version], ['public.accounts:1', 2], 'a consumer peeks revision 2 of row 1');
  // Meanwhile row 1 changes again and compaction removes the superseded revision 2.
  await db.query('UPDATE public.accounts SET balance = 2 WHERE id = 1');
  await db.query(`SELECT eventlog.compact('0', NULL, 100)`);
  t.ok(await gone(peeked.etag), `compaction removed etag ${peeked.etag}, peeked and not yet acknowledged`);

  const acked = await db.query(`SELECT eventlog.ack_changes('public.accounts', 'mirror', $1)`, [peeked.etag])
    .then(() => 'accepted', (err: { code?: string }) => `refused with ${err.code}`);
  t.equal(acked, 'accepted', 'the ack of the removed etag is accepted');
  const [cursor] = (await db.query<{ etag: string }>(`SELECT etag FROM eventlog.change_cursors WHERE client = 'mirror'`));
  t.equal(cursor.etag, peeked.etag, 'and moves the cursor to it');
  t.same((await peek(10)).map((e) => [e.stream, e.version]), [['public.accounts:1', 3]], 'the next peek delivers revision 3, nothing before it');
});
