// Change capture under real concurrency (issue 11): 8 writer connections insert, update, delete
// and move keys of one tracked table, in transactions of several statements, some held open for a
// while, some rolled back, while a consumer follows get_changes and rebuilds the table from the
// events alone. At the end the rebuilt copy must equal the table row by row, every event must have
// been read once, and each row's revisions must arrive in order without gaps.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase, type TestLike } from '../lib/db.ts';

const WRITERS = 8;
const TRANSACTIONS_PER_WRITER = 40;
const KEYS = 60;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Deterministic pseudo-randomness, so a run can be replayed.
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

// Conflicts between writers of the same rows, which a real application retries.
const RETRYABLE = new Set(['40001', '40P01', '23505']);

interface Change {
  etag: string;
  event_type: 'insert' | 'update' | 'delete';
  stream: string;
  version: number;
  payload: Record<string, unknown>;
}

async function setup(t: TestLike) {
  const db = await freshDatabase(t, { install: true });
  await db.query('CREATE TABLE public.accounts (id integer PRIMARY KEY, owner text NOT NULL, balance integer NOT NULL)');
  await db.query(`INSERT INTO public.accounts SELECT g, 'owner-' || g, 100 FROM generate_series(1, ${KEYS / 2}) AS g`);
  await db.query(`SELECT eventlog.track_table('public.accounts')`);
  return db;
}
t.test('a consumer of get_changes rebuilds the table exactly while 8 writers change it', async (t) => {
  const db = await setup(t);
  let writersDone = false;
  const outcomes = { committed: 0, rolledBack: 0, conflicts: new Map<string, number>() };

  const writer = async (w: number) => {
    const client = await db.connect();
    const rnd = random(w + 11);
    const key = () => 1 + Math.floor(rnd() * KEYS);
    for (let i = 0; i < TRANSACTIONS_PER_WRITER; i++) {
      const statements = 1 + Math.floor(rnd() * 3);
      try {
        await client.query('BEGIN');
        for (let s = 0; s < statements; s++) {
          const op = rnd();
          if (op < 0.3) {
            await client.query('INSERT INTO public.accounts VALUES ($1, $2, 0) ON CONFLICT (id) DO UPDATE SET balance = accounts.balance + 1',
              [key(), `writer-${w}`]);
          } else if (op < 0.6) {
            await client.query('UPDATE public.accounts SET balance = balance + $2, owner = $3 WHERE id = $1', [key(), 1 + Math.floor(rnd() * 9), `writer-${w}`]);
          } else if (op < 0.75) {
            await client.query('DELETE FROM public.accounts WHERE id = $1', [key()]);
          } else if (op < 0.85) {
            // A primary key change: a delete of the old key and an insert of the new one.
            await client.query('UPDATE public.accounts SET id = $2 WHERE id = $1', [key(), key()]);
          } else {
            // A statement over several rows.
            await client.query('UPDATE public.accounts SET balance = balance - 1 WHERE id % 7 = $1', [Math.floor(rnd() * 7)]);
          }
        }
        if (w < 2 && rnd() < 0.2) await client.query('SELECT pg_sleep($1)', [0.3 + rnd() * 0.5]);
        if (rnd() < 0.1) {
          await client.query('ROLLBACK');
          outcomes.rolledBack++;
        } else {
          await client.query('COMMIT');
          outcomes.committed++;
        }
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        await client.query('ROLLBACK');
        if (!RETRYABLE.has(code)) throw err;
        outcomes.conflicts.set(code, (outcomes.conflicts.get(code) ?? 0) + 1);
      }
    }
  };

  // The consumer keeps only what the events say: key -> row, and each stream's last version.
  const rebuilt = new Map<string, Record<string, unknown>>();
  const lastVersion = new Map<string, number>();
  const seenEtags = new Set<string>();
  const gaps: string[] = [];
  const consume = async (client: pg.Client) => {
    let last = '0';
    let idleAfterDone = 0;
    while (idleAfterDone < 3) {
      const done = writersDone;
      const { rows } = await client.query<Change>(
        `SELECT etag, event_type, stream, version, payload FROM eventlog.get_changes('public.accounts', $1, 50)`, [last]);
      for (const e of rows) {
        if (seenEtags.has(e.etag)) gaps.push(`etag ${e.etag} read twice`);
        seenEtags.add(e.etag);
        const expected = (lastVersion.get(e.stream) ?? 0) + 1;
        if (e.version !== expected) gaps.push(`${e.stream}: version ${e.version} after ${expected - 1}`);
        lastVersion.set(e.stream, e.version);
        if (e.event_type === 'delete') rebuilt.delete(e.stream);
        else rebuilt.set(e.stream, e.payload);
      }
      if (rows.length > 0) last = rows[rows.length - 1].etag;
      if (done && rows.length === 0) idleAfterDone++;
      if (rows.length === 0) await sleep(10);
    }
  };

  const consumer = consume(await db.connect());
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  writersDone = true;
  await consumer;

  t.ok(outcomes.committed > WRITERS * TRANSACTIONS_PER_WRITER / 2, `writers committed ${outcomes.committed} transactions`);
  t.ok(outcomes.rolledBack > 0, `${outcomes.rolledBack} rolled back`);
  t.comment(`conflicts retried by the application: ${JSON.stringify(Object.fromEntries(outcomes.conflicts))}`);

  const table = await db.query<Record<string, unknown>>('SELECT to_jsonb(a) AS row FROM public.accounts AS a ORDER BY id');
  const actual = table.map((r) => r.row as Record<string, unknown>);
  const fromLog = [...rebuilt.values()].sort((a, b) => (a.id as number) - (b.id as number));
  t.ok(actual.length > 0, `the table ends with ${actual.length} rows`);
  t.same(fromLog, actual, 'the table rebuilt from get_changes equals the table, row by row, revisions included');
  t.same(gaps, [], 'every event was read once, and each row\'s versions arrived in order without gaps');

  const [{ count }] = await db.query<{ count: string }>(
    `SELECT count(*) FROM eventlog.events WHERE stream LIKE 'public.accounts:%'`);
  t.equal(seenEtags.size, Number(count), 'the consumer read every change event in the log');
  const mismatched = await db.query(
    `SELECT a.id FROM public.accounts AS a JOIN eventlog.streams AS s ON s.stream = 'public.accounts:' || a.id
     WHERE a.revision IS DISTINCT FROM s.version`);
  t.same(mismatched, [], 'every row\'s revision is its stream\'s version');
});

t.test('a row\'s revisions are in log order: a writer that took its position before a later committed change retries', async (t) => {
  const db = await setup(t);
  const early = await db.connect();
  const late = await db.connect();

  // early gets its transaction id (its log position) first, by writing another row.
  await early.query('BEGIN');
  await early.query(`UPDATE public.accounts SET balance = 0 WHERE id = 2`);
  // late changes row 1 and commits; its position is after early's.
  await late.query('BEGIN');
  await late.query(`UPDATE public.accounts SET balance = 1 WHERE id = 1`);
  await late.query('COMMIT');
  // early's change of row 1 would be revision 3, placed before late's revision 2 in the log.
  const err = await early.query(`UPDATE public.accounts SET balance = 2 WHERE id = 1`).then(() => null, (e: { code?: string; message: string }) => e);
  t.equal(err?.code, '40001', `the early writer gets a serialization failure (${err?.message})`);
  if (err) {
    // Its retry has a new position, after late's.
    await early.query('ROLLBACK');
    await early.query('BEGIN');
    await early.query(`UPDATE public.accounts SET balance = 2 WHERE id = 1`);
  }
  await early.query('COMMIT');
  const changes = await db.query<{ version: number; balance: number }>(
    `SELECT version, (payload->>'balance')::integer AS balance FROM eventlog.get_changes('public.accounts', 0, 1000)
     WHERE stream = 'public.accounts:1' ORDER BY tx_order, etag`);
  t.same(changes.map((c) => [c.version, c.balance]), [[1, 100], [2, 1], [3, 2]], 'row 1\'s revisions are read in order');
});

t.test('four workers on one change client never get the same change, and together get them all', async (t) => {
  const db = await setup(t);
  let writersDone = false;

  const writer = async (w: number) => {
    const client = await db.connect();
    for (let i = 0; i < 40; i++) {
      const id = 1000 + w * 100 + i;
      await client.query('BEGIN');
      await client.query(`INSERT INTO public.accounts VALUES ($1, 'w', 0)`, [id]);
      await client.query('UPDATE public.accounts SET balance = balance + 1 WHERE id = $1', [id]);
      if (i % 5 === 0) await client.query('SELECT pg_sleep(0.05)');
      await client.query('COMMIT');
    }
  };

  const received: string[][] = [];
  const worker = async (n: number) => {
    const client = await db.connect();
    const mine: string[] = [];
    received[n] = mine;
    let idleAfterDone = 0;
    while (idleAfterDone < 3) {
      const done = writersDone;
      await client.query('BEGIN');
      const { rows } = await client.query<{ etag: string }>(
        `SELECT etag FROM eventlog.get_changes('public.accounts'::regclass, 'mirror'::text, 7)`);
      await client.query('COMMIT');
      mine.push(...rows.map((r) => r.etag));
      if (done && rows.length === 0) idleAfterDone++;
      if (rows.length === 0) await sleep(10);
    }
  };

  const workers = Promise.all([0, 1, 2, 3].map(worker));
  await Promise.all([0, 1, 2, 3].map(writer));
  writersDone = true;
  await workers;

  const all = received.flat();
  const expected = (await db.query<{ etag: string }>(
    `SELECT etag FROM eventlog.events WHERE stream LIKE 'public.accounts:%' ORDER BY tx_order, etag`)).map((r) => r.etag);
  t.ok(received.filter((r) => r.length > 0).length > 1, `the changes were shared out: ${received.map((r) => r.length).join(', ')}`);
  t.equal(new Set(all).size, all.length, 'no change was delivered twice');
  t.same(new Set(all), new Set(expected), `together the workers got every change (${expected.length}, backfill included)`);
});
