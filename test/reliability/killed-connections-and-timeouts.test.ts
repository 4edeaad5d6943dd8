// Killed connections and timeouts (issue 16). A writer or a consumer whose transaction ends
// without a COMMIT — its backend terminated (pg_terminate_backend, what a pooler or an operator
// does), its statement cancelled by statement_timeout, or its session closed by
// idle_in_transaction_session_timeout — leaves no trace: its events are not in the log, its
// cursor move is undone, and nothing it held (the stream's lock, the client's cursor row, the
// delivery horizon) holds anyone back afterwards. While it lasts, delivery_blockers() names it.
//
// Each case runs as login roles holding only eventlog_writer / eventlog_reader, as applications do.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase, type TestDatabase, type TestLike } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { waitFor, within } from '../lib/wait.ts';

type End = 'pg_terminate_backend' | 'statement_timeout' | 'idle_in_transaction_session_timeout';
const ENDS: End[] = ['pg_terminate_backend', 'statement_timeout', 'idle_in_transaction_session_timeout'];

const pidOf = async (c: pg.Client) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;

/** Prepares `victim` for `end` (before its transaction begins). */
const seenErrors = new WeakMap<pg.Client, string[]>();
async function arm(victim: pg.Client, end: End) {
  // A FATAL from the server to an idle connection arrives as the client's 'error' event.
  const codes: string[] = [];
  seenErrors.set(victim, codes);
  victim.on('error', (e) => codes.push((e as { code?: string }).code ?? 'no code'));
  if (end === 'idle_in_transaction_session_timeout') await victim.query(`SET idle_in_transaction_session_timeout = '1500ms'`);
  if (end === 'statement_timeout') await victim.query(`SET statement_timeout = '1500ms'`);
}

/**
 * Ends `victim`'s open transaction the way `end` says; resolves once it is over, with the error
 * the victim's client saw. For statement_timeout the session stays, in an aborted transaction
 * that it has not rolled back yet: the case where an application forgets to.
 */
async function finish(admin: pg.Client, victim: pg.Client, pid: number, end: End, sleeping: Promise<unknown> | undefined): Promise<{ code?: string }> {
  if (end === 'pg_terminate_backend') {
    const [{ ok }] = (await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend($1, 30000) AS ok', [pid])).rows;
    if (!ok) throw new Error(`backend ${pid} did not end within 30 s of pg_terminate_backend`);
    return lastError(victim);
  }
  if (end === 'statement_timeout') {
    return within('the victim\'s statement to time out', sleeping!.then(() => ({ code: 'none' }), (e) => ({ code: (e as { code?: string }).code })), 60_000);
  }
  // idle_in_transaction_session_timeout: the server closes the session itself.
  await waitFor(`backend ${pid} to be closed by idle_in_transaction_session_timeout`, async () =>
    (await admin.query('SELECT 1 FROM pg_catalog.pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0, { timeoutMs: 60_000 });
  return lastError(victim);
}

/** The SQLSTATE of the FATAL the server sent the victim (or of a query on it). */
async function lastError(victim: pg.Client): Promise<{ code?: string }> {
  const codes = seenErrors.get(victim)!;
  await victim.query('SELECT 1').catch((e) => { if ((e as { code?: string }).code) codes.push((e as { code: string }).code); });
  await waitFor('the victim\'s client to see the server\'s error', () => codes.length > 0, { timeoutMs: 10_000 }).catch(() => {});
  return { code: codes[0] ?? 'none' };
}

const expectedCode: Record<End, string> = {
  pg_terminate_backend: '57P01',
  statement_timeout: '57014',
  idle_in_transaction_session_timeout: '25P03',
};

async function setup(t: TestLike) {
  const db: TestDatabase = await freshDatabase(t, { install: true });
  const writer = await loginRole(t, db.url, ['eventlog_writer']);
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  const admin = await db.connect();
  return { db, writer, reader, admin };
}

for (const end of ENDS) {
  t.test(`a writer ended by ${end} mid-transaction leaves no trace and holds nothing back`, async (t) => {
    const { writer, reader, admin } = await setup(t);
    const w1 = await writer.connect();
    const w2 = await writer.connect();
    const r = await reader.connect();
    await w1.query(`SELECT eventlog.log_event('{"n": "before"}', 'tick', 'acct-1')`);

    const victim = await writer.connect();
    await arm(victim, end);
    const pid = await pidOf(victim);
    await victim.query('BEGIN');
    await victim.query(`INSERT INTO eventlog.events (stream, payload) VALUES ('acct-1', '{"n": "victim"}')`);
    await victim.query(`SELECT eventlog.append_to_stream('acct-2', '[{"type": "tick", "payload": {"n": "victim"}}]')`);
    const sleeping = end === 'statement_timeout' ? victim.query('SELECT pg_sleep(60)') : undefined;
    if (sleeping) sleeping.catch(() => {});
    await w2.query(`SELECT eventlog.log_event('{"n": "after"}', 'tick', 'acct-3')`);

    // While it lasts: it holds "after" back, and delivery_blockers() says so.
    const blockers = (await r.query<{ pid: number; held_back_events: string }>('SELECT pid, held_back_events::text FROM eventlog.delivery_blockers()')).rows;
    t.same(blockers, [{ pid, held_back_events: '1' }], 'delivery_blockers() names the open writer and the one event it holds back');
    t.same((await r.query(`SELECT payload->>'n' AS n FROM eventlog.get_event(0, 10)`)).rows.map((x) => x.n), ['before'],
      'a reader gets only what was committed before it');
    // A second writer of the victim's stream waits for it (the stream's row lock).
    const queued = w1.query(`SELECT version FROM eventlog.log_event('{"n": "queued"}', 'tick', 'acct-1')`);
    await waitFor('the second writer of acct-1 to wait for the victim', async () =>
      (await admin.query(`SELECT 1 FROM pg_catalog.pg_stat_activity WHERE $1 = ANY (pg_catalog.pg_blocking_pids(pid))`, [pid])).rowCount);

    const seen = await finish(admin, victim, pid, end, sleeping);
    t.equal(seen.code, expectedCode[end], `the victim's client gets ${expectedCode[end]}`);

    // Afterwards: the queued writer goes on with the next version, everything committed flows,
    // the victim's events are nowhere, nothing of it is left in pg_locks or delivery_blockers().
    const [{ version }] = (await within('the queued writer to continue', queued, 30_000)).rows;
    t.equal(version, 2, 'the writer queued behind it gets the stream\'s next version, 2: the victim\'s version is not used up');
    t.same((await r.query(`SELECT payload->>'n' AS n FROM eventlog.get_event(0, 10)`)).rows.map((x) => x.n), ['before', 'after', 'queued'],
      'a reader gets everything committed, in order, and nothing of the victim');
    t.same((await admin.query(`SELECT stream, version FROM eventlog.streams ORDER BY stream`)).rows,
      [{ stream: 'acct-1', version: 2 }, { stream: 'acct-3', version: 1 }],
      'no stream row is left by the victim (acct-2 does not exist)');
    t.same((await r.query('SELECT pid FROM eventlog.delivery_blockers()')).rows, [], 'delivery_blockers() is empty');
    t.same((await admin.query(`SELECT locktype, mode FROM pg_catalog.pg_locks WHERE pid = $1`, [pid])).rows, [], 'the victim holds no lock');
    if (end === 'statement_timeout') {
      // The session is still there, in its aborted transaction, and holds nothing: not even its id.
      const held = (await admin.query(`SELECT backend_xid::text AS xid, state FROM pg_catalog.pg_stat_activity WHERE pid = $1`, [pid])).rows;
      t.same(held, [{ xid: null, state: 'idle in transaction (aborted)' }], 'the timed-out session waits in its aborted transaction without a transaction id');
      await victim.query('ROLLBACK');
    }
    const [{ count }] = (await admin.query(`SELECT count(*)::int AS count FROM eventlog.events WHERE payload->>'n' = 'victim'`)).rows;
    t.equal(count, 0, 'the victim\'s events are not in the table');
  });

  t.test(`a consumer ended by ${end} mid-transaction moved nothing and holds nothing back`, async (t) => {
    const { writer, reader, admin } = await setup(t);
    const w = await writer.connect();
    await w.query(`SELECT eventlog.log_event('[{"n": 1}, {"n": 2}, {"n": 3}]', 'tick', 'acct-1')`);
    const victim = await reader.connect();
    await arm(victim, end);
    const pid = await pidOf(victim);
    await victim.query('BEGIN');
    t.same((await victim.query(`SELECT payload->>'n' AS n FROM eventlog.get_event('billing', 2)`)).rows.map((x) => x.n), ['1', '2'],
      'the consumer reads two events, moving its cursor in its transaction');
    const sleeping = end === 'statement_timeout' ? victim.query('SELECT pg_sleep(60)') : undefined;
    if (sleeping) sleeping.catch(() => {});
    await w.query(`SELECT eventlog.log_event('{"n": 4}', 'tick', 'acct-1')`);

    const blockers = (await admin.query<{ pid: number; held_back_events: string }>('SELECT pid, held_back_events::text FROM eventlog.delivery_blockers()')).rows;
    t.same(blockers, [{ pid, held_back_events: '1' }], 'delivery_blockers() names the consumer whose cursor move is open');
    const other = await reader.connect();
    await other.query(`SET statement_timeout = '30s'`);
    const successor = other.query(`SELECT payload->>'n' AS n FROM eventlog.get_event('billing', 10)`);
    await waitFor('a second worker of the client to wait for the victim', async () =>
      (await admin.query(`SELECT 1 FROM pg_catalog.pg_stat_activity WHERE $1 = ANY (pg_catalog.pg_blocking_pids(pid))`, [pid])).rowCount);

    const seen = await finish(admin, victim, pid, end, sleeping);
    t.equal(seen.code, expectedCode[end], `the victim's client gets ${expectedCode[end]}`);
    t.same((await within('the second worker to continue', successor, 30_000)).rows.map((x) => x.n), ['1', '2', '3', '4'],
      'the second worker continues from where the cursor was before the victim: its events are delivered again, nothing is lost');
    t.same((await admin.query('SELECT pid FROM eventlog.delivery_blockers()')).rows, [], 'delivery_blockers() is empty');
    if (end === 'statement_timeout') await victim.query('ROLLBACK');
    t.same((await admin.query(`SELECT client, etag::int FROM eventlog.client_cursors ORDER BY client`)).rows,
      [{ client: 'billing', etag: 4 }], 'one cursor, where the second worker left it');
  });
}
