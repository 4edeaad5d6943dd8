// Compaction under real concurrency (issue 11): 6 writer connections insert, update and delete
// rows of one tracked table while a compactor calls compact() over and over, a reader follows
// get_changes(tbl, after_etag) and a named change client follows get_changes(tbl, client), both
// rebuilding the table from the events alone. Both readers are often positioned at an etag that
// compaction has removed meanwhile, and must continue without loss: at the end each copy equals
// the table row by row. Then a full compaction with tombstones: a fresh full read of the table's
// log rebuilds it exactly, and the log holds exactly the latest revision of every live row.
// A second test holds a compaction transaction open and shows that a writer of the very rows it
// is removing, and a reader, do not wait for it.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase, type TestDatabase, type TestLike } from '../lib/db.ts';
import { sleep, waitFor, within } from '../lib/wait.ts';

const WRITERS = 6;
const TRANSACTIONS_PER_WRITER = 60;
const KEYS = 40;
const ROWS = KEYS / 2; // rows at the start

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
  event_type: 'insert' | 'update' | 'delete';
  stream: string;
  version: number;
  payload: Record<string, unknown>;
}

async function setup(t: TestLike) {
  const db = await freshDatabase(t, { install: true });
  await db.query('CREATE TABLE public.accounts (id integer PRIMARY KEY, owner text NOT NULL, balance integer NOT NULL)');
  await db.query(`INSERT INTO public.accounts SELECT g, 'owner-' || g, 100 FROM generate_series(1, ${ROWS}) AS g`);
  await db.query(`SELECT eventlog.track_table('public.accounts')`);
  return db;
}

/** A copy of the table kept from change events: key -> row; versions must only go up per row. */
class Copy {
  rows = new Map<string, Record<string, unknown>>();
  lastVersion = new Map<string, number>();
  seen = new Set<string>();
  faults: string[] = [];
  apply(events: Change[]) {
    for (const e of events) {
      if (this.seen.has(e.etag)) this.faults.push(`etag ${e.etag} read twice`);
      this.seen.add(e.etag);
      const last = this.lastVersion.get(e.stream) ?? 0;
      if (e.version <= last) this.faults.push(`${e.stream}: version ${e.version} after ${last}`);
      this.lastVersion.set(e.stream, e.version);
      if (e.event_type === 'delete') this.rows.delete(e.stream);
      else this.rows.set(e.stream, e.payload);
    }
  }
  sorted() {
    return [...this.rows.values()].sort((a, b) => (a.id as number) - (b.id as number));
  }
}

async function tableRows(db: TestDatabase) {
  const rows = await db.query<{ row: Record<string, unknown> }>('SELECT to_jsonb(a) AS row FROM public.accounts AS a ORDER BY id');
  return rows.map((r) => r.row);
}

t.test('readers positioned at removed etags continue without loss while compaction runs beside 6 writers', async (t) => {
  const db = await setup(t);
  let writersDone = false;
  const outcomes = { committed: 0, conflicts: 0 };
  const commitTimes: number[] = [];

  const writer = async (w: number) => {
    const client = await db.connect();
    const rnd = random(w + 101);
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
        outcomes.committed++;
        commitTimes.push(Date.now());
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        await client.query('ROLLBACK');
        if (!RETRYABLE.has(code)) throw err;
        outcomes.conflicts++;
      }
      await sleep(5);
    }
  };

  // The compactor: bounded batches, autocommit, tombstones kept (readers that lag must see deletes).
  const compactions: { at: number; removed: number }[] = [];
  const compactor = async (client: pg.Client) => {
    while (!writersDone) {
      const { rows: [r] } = await client.query<{ revisions_removed: string }>(
        `SELECT revisions_removed FROM eventlog.compact('0', NULL, 200)`);
      compactions.push({ at: Date.now(), removed: Number(r.revisions_removed) });
      await sleep(15);
    }
  };

  // Reader A: stateless, keeps the last etag itself. Reader B: a named change client.
  const byEtag = new Copy();
  const byClient = new Copy();
  const resumedAfterRemoved = { etag: 0, client: 0 };
  let pausedA = false;
  let pausedB = false;
  const isRemoved = async (client: pg.Client, etag: string) => {
    const { rows } = await client.query(
      'SELECT 1 FROM eventlog.removed_positions WHERE first_etag <= $1 AND last_etag >= $1', [etag]);
    return rows.length > 0;
  };
  const readByEtag = async (client: pg.Client) => {
    let last = '0';
    let idleAfterDone = 0;
    while (idleAfterDone < 3) {
      const done = writersDone && compactorDone;
      if (last !== '0' && await isRemoved(client, last)) resumedAfterRemoved.etag++;
      const { rows } = await client.query<Change>(
        `SELECT etag, event_type, stream, version, payload FROM eventlog.get_changes('public.accounts', $1, 7)`, [last]);
      byEtag.apply(rows);
      if (rows.length > 0) last = rows[rows.length - 1].etag;
      // Once, while the writers run: stand still until compaction has removed the last event read.
      if (!pausedA && rows.length > 0 && rows[rows.length - 1].event_type !== 'delete' && !writersDone) {
        pausedA = true;
        await waitFor(`compaction to remove etag ${last}, where reader A stands`, () => isRemoved(client, last), { timeoutMs: 20_000 });
      }
      if (done && rows.length === 0) idleAfterDone++;
      await sleep(10);
    }
  };
  const readByClient = async (client: pg.Client) => {
    let idleAfterDone = 0;
    while (idleAfterDone < 3) {
      const done = writersDone && compactorDone;
      const { rows: cursor } = await client.query<{ etag: string }>(
        `SELECT etag FROM eventlog.change_cursors WHERE client = 'mirror'`);
      if (cursor.length > 0 && cursor[0].etag !== '0' && await isRemoved(client, cursor[0].etag)) resumedAfterRemoved.client++;
      await client.query('BEGIN');
      const { rows } = await client.query<Change>(
        `SELECT etag, event_type, stream, version, payload FROM eventlog.get_changes('public.accounts'::regclass, 'mirror'::text, 5)`);
      await client.query('COMMIT');
      byClient.apply(rows);
      if (!pausedB && rows.length > 0 && rows[rows.length - 1].event_type !== 'delete' && !writersDone) {
        pausedB = true;
        const at = rows[rows.length - 1].etag;
        await waitFor(`compaction to remove etag ${at}, where the named client stands`, () => isRemoved(client, at), { timeoutMs: 20_000 });
      }
      if (done && rows.length === 0) idleAfterDone++;
      await sleep(10);
    }
  };

  let compactorDone = false;
  const readers = [readByEtag(await db.connect()), readByClient(await db.connect())];
  const compacting = compactor(await db.connect()).then(() => { compactorDone = true; });
  await within('the writers', Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w))), 120_000);
  writersDone = true;
  await within('the compactor', compacting, 30_000);
  await within('both readers to catch up', Promise.all(readers), 60_000);

  t.ok(outcomes.committed > WRITERS * TRANSACTIONS_PER_WRITER / 2, `writers committed ${outcomes.committed} transactions (${outcomes.conflicts} conflicts retried)`);
  const removing = compactions.filter((c) => c.removed > 0);
  const interleaved = removing.length >= 3
    && commitTimes.some((at) => at > removing[0].at && at < removing[removing.length - 1].at);
  t.ok(interleaved, `compaction removed events in ${removing.length} of ${compactions.length} calls while writers committed between them`);
  t.ok(resumedAfterRemoved.etag > 0, `reader A resumed ${resumedAfterRemoved.etag} times after an etag compaction had removed`);
  t.ok(resumedAfterRemoved.client > 0, `the named client resumed ${resumedAfterRemoved.client} times from a removed etag`);

  const actual = await tableRows(db);
  t.ok(actual.length > 0, `the table ends with ${actual.length} rows`);
  t.same(byEtag.sorted(), actual, 'reader A\'s copy equals the table, row by row');
  t.same(byClient.sorted(), actual, 'the named client\'s copy equals the table, row by row');
  t.same([...byEtag.faults, ...byClient.faults], [], 'no event was read twice, and each row\'s versions only went up');

  // A full compaction with tombstones, then a fresh full read.
  const admin = await db.connect();
  // The pass in progress (tombstones kept) first, then one whole pass with tombstones.
  for (let pass = 0; pass < 2; pass++) {
    await waitFor('a compaction pass to finish', async () => {
      const { rows: [r] } = await admin.query<{ done: boolean }>(
        `SELECT done FROM eventlog.compact('0', ${pass === 0 ? 'NULL' : "'0'"}, 1000)`);
      return r.done;
    }, { timeoutMs: 60_000, intervalMs: 0 });
  }
  const fresh = new Copy();
  let last = '0';
  for (;;) {
    const { rows } = await admin.query<Change>(
      `SELECT etag, event_type, stream, version, payload FROM eventlog.get_changes('public.accounts', $1, 100)`, [last]);
    if (rows.length === 0) break;
    fresh.apply(rows);
    last = rows[rows.length - 1].etag;
  }
  t.same(fresh.sorted(), actual, 'after compaction with tombstones, a fresh full read rebuilds the table row by row');
  const { rows: left } = await admin.query<{ stream: string; version: number; event_type: string }>(
    `SELECT stream, version, event_type FROM eventlog.events WHERE stream LIKE 'public.accounts:%' ORDER BY stream`);
  const { rows: live } = await admin.query<{ stream: string; version: number }>(
    `SELECT 'public.accounts:' || id AS stream, revision AS version FROM public.accounts ORDER BY 1`);
  t.same(left.map((e) => [e.stream, e.version, e.event_type === 'delete' ? 'tombstone' : 'row']),
    live.map((r) => [r.stream, r.version, 'row']),
    'the table\'s log holds exactly the latest revision of every live row: nothing live was removed, nothing else stayed');
});

t.test('an open compaction transaction blocks neither a writer of the rows it removes nor a reader', async (t) => {
  const db = await setup(t);
  await db.query(`UPDATE public.accounts SET balance = balance + 1`);
  await db.query(`UPDATE public.accounts SET balance = balance + 1`);
  const compactor = await db.connect();
  const writer = await db.connect();
  const reader = await db.connect();
  await writer.query(`SET statement_timeout = '20s'`);
  await reader.query(`SET statement_timeout = '20s'`);

  await compactor.query('BEGIN');
  const { rows: [c] } = await compactor.query<{ revisions_removed: string }>(`SELECT revisions_removed FROM eventlog.compact('0')`);
  t.equal(Number(c.revisions_removed), 2 * ROWS, 'the open compaction has removed the two superseded revisions of every row');

  // The writer changes a row whose old revisions the open transaction has just deleted, and
  // commits, while the compaction transaction is still open (it would wait forever otherwise).
  await within('the writer\'s UPDATE and COMMIT while compaction is open',
    writer.query(`UPDATE public.accounts SET balance = 0 WHERE id = 1`), 10_000);
  const { rows: [open] } = await writer.query<{ state: string; has_xid: boolean }>(
    `SELECT state, backend_xid IS NOT NULL AS has_xid FROM pg_stat_activity WHERE pid = $1`, [(compactor as unknown as { processID: number }).processID]);
  t.same(open, { state: 'idle in transaction', has_xid: true }, 'the compaction transaction was open, with its deletes, all along');
  const { rows: [v] } = await writer.query<{ revision: number }>(`SELECT revision FROM public.accounts WHERE id = 1`);
  t.equal(v.revision, 4, 'and the writer\'s change got the row\'s next revision');

  const read = reader.query<Change>(`SELECT etag FROM eventlog.get_changes('public.accounts', 0, 1000)`);
  const rows = (await within('a reader while compaction is open', read, 10_000)).rows;
  t.equal(rows.length, 3 * ROWS, 'the reader is not blocked; until compaction commits it sees every old revision, and not yet the writer\'s change (the open transaction holds the read horizon)');

  await compactor.query('COMMIT');
  const after = await reader.query<Change>(`SELECT etag FROM eventlog.get_changes('public.accounts', 0, 1000)`);
  t.equal(after.rows.length, ROWS + 1, 'after the commit: the latest revision of every row, and the writer\'s change');
});
