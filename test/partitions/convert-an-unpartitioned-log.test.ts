// npx pg-eventlog convert (docs/partitions.md, "Converting a log installed before partitioning"):
// a database installed by the last version before partitioning (test/fixtures/pre-partition-install,
// the migrations of git f5c425a^, installed by the same runner) with a bulk-loaded log, streams,
// a snapshot, an idempotency key, a tracked table and named clients mid-way (one with an open
// peeked batch, a consumer group) is converted in place; afterwards the events are the same rows,
// every client reads on exactly where it was, new appends land in range partitions, the schema is
// a fresh install's and pgTAP files pass on it. Writers wait for the conversion.
//
// Size: PG_EVENTLOG_CONVERT_EVENTS events (default 2,000 in make test; docs/partitions.md has the
// command for 1,000,000). The conversion rewrites no row, so the size changes only how long the
// bulk load, the digests and the reads take, not what is shown: 2,000 events are still read batch
// after batch (BATCH is half the log, at most 10,000), every client has events before and after
// its cursor, and the member reads of the group are smaller than the log. 20,000 was the default
// until the suite had to fit CI's time: PG_EVENTLOG_CONVERT_EVENTS=20000 runs that. At 1,000,000
// (2026-12-02, busy shared machine): 8 min 23 s in all, the bulk load 155 s, the conversion 1.8 s.
import path from 'node:path';
import t, { type Test } from 'tap';
import type pg from 'pg';
import { cli, freshDatabase, repoRoot, type TestDatabase } from '../lib/db.ts';
import { waitFor, within } from '../lib/wait.ts';
import { pgtapSuite } from '../packaging/lib.ts';
import { normalisedSchema } from '../packaging/schema-dump.ts';

const fixture = path.join(repoRoot, 'test', 'fixtures', 'pre-partition-install', 'sql');
const EVENTS = Number(process.env.PG_EVENTLOG_CONVERT_EVENTS ?? 2_000);
const BATCH = Math.min(10_000, Math.ceil(EVENTS / 2));
const LOAD_CHUNK = 2_000;

// A representative part of the suite (every file resets a log of EVENTS rows, so not all of it in
// make test): policy (every function classified, commented, pinned, not public), the guards on
// every partition, partition maintenance, the append paths. PG_EVENTLOG_CONVERT_PGTAP=test/pgtap
// runs every file.
const PGTAP_DIRS = (process.env.PG_EVENTLOG_CONVERT_PGTAP ?? [
  'test/pgtap/policy', 'test/pgtap/guard', 'test/pgtap/ensure_partitions', 'test/pgtap/insert', 'test/pgtap/log_event',
  'test/pgtap/append_to_stream',
].join(',')).split(',');

/** A database holding the pre-partition install, as its installer left it (a copy of one, test/lib/db.ts). */
const oldInstall = (t: Test): Promise<TestDatabase> => freshDatabase(t, { install: { migrationsDir: fixture } });

const etagsOf = (rows: { etag: string }[]) => rows.map((r) => r.etag);

/** Every etag `read` returns until it returns nothing, batch after batch, in one rolled-back transaction. */
async function readToEnd(c: pg.Client, read: string, params: unknown[] = []): Promise<string[]> {
  const all: string[] = [];
  for (;;) {
    const batch = etagsOf((await c.query<{ etag: string }>(read, params)).rows);
    if (!batch.length) return all;
    all.push(...batch);
  }
}

/** What a client would read from here on, without moving it. */
async function restOf(c: pg.Client, client: string, member = 0, members = 1): Promise<string[]> {
  await c.query('BEGIN');
  try {
    return await readToEnd(c, 'SELECT etag FROM eventlog.get_event($1, $2, $3, $4)', [client, BATCH, member, members]);
  } finally {
    await c.query('ROLLBACK');
  }
}

/** A digest of every row of the log in log order, and of each carried table, as text. */
async function state(c: pg.Client) {
  const events = (await c.query<{ n: string; digest: string; first: string; last: string }>(
    `SELECT count(*)::text AS n, md5(string_agg(md5(e::text), '' ORDER BY e.tx_order, e.etag)) AS digest,
            min(e::text) FILTER (WHERE e.etag = (SELECT min(etag) FROM eventlog.events)) AS first,
            min(e::text) FILTER (WHERE e.etag = (SELECT max(etag) FROM eventlog.events)) AS last
     FROM eventlog.events AS e`)).rows[0];
  const tables: Record<string, string> = {};
  for (const table of ['clock', 'streams', 'client_cursors', 'idempotency_keys', 'snapshots', 'tracked_tables', 'change_cursors']) {
    tables[table] = (await c.query<{ rows: string }>(`SELECT COALESCE(string_agg(r::text, E'\\n' ORDER BY r::text), '') AS rows FROM eventlog.${table} AS r`)).rows[0].rows;
  }
  const seq = (await c.query('SELECT last_value::text, is_called FROM eventlog.events_etag_seq')).rows[0];
  return { events, tables, seq };
}

t.test('a pre-partition log of named clients mid-way is converted in place, keeping every event and cursor', async (t) => {
  const db = await oldInstall(t);
  const c = await db.connect();
  t.equal((await c.query("SELECT relkind::text FROM pg_class WHERE oid = 'eventlog.events'::regclass")).rows[0].relkind, 'r', 'the fixture installs the unpartitioned log');

  // The old log: a stream with a snapshot and an idempotency key, a tracked table, then a bulk load.
  const first = await c.query(`SELECT a.etag::text, a.version FROM eventlog.append_to_stream('order-1', '[{"type": "created", "payload": {"n": 1}}, {"type": "paid", "payload": {"n": 2}}]', NULL, 'key-1') AS a ORDER BY a.etag`);
  await c.query(`SELECT eventlog.save_snapshot('order-1', 2, '{"state": "paid"}')`);
  await c.query('CREATE TABLE public.accounts (id int PRIMARY KEY, balance int NOT NULL)');
  await c.query('INSERT INTO public.accounts VALUES (1, 10), (2, 20)');
  await c.query(`SELECT eventlog.track_table('public.accounts')`);
  // In transactions of LOAD_CHUNK events: every row of one statement updates its stream's row in
  // eventlog.streams, and the old install's upsert walks every version of that row the
  // transaction made before, so one 1M-row statement into 7 streams is quadratic (it had loaded
  // about 200,000 events after 8 minutes); 2,000 at a time is one statement in make test.
  const started = Date.now();
  for (let from = 1; from <= EVENTS; from += LOAD_CHUNK) {
    await c.query(`INSERT INTO eventlog.events (event_type, stream, payload, metadata)
      SELECT 'bulk', 'bulk-' || (g % 7), jsonb_build_object('g', g, 'pad', repeat('x', g % 50)), jsonb_build_object('m', g % 3)
      FROM generate_series($1::int, $2::int) AS g`, [from, Math.min(EVENTS, from + LOAD_CHUNK - 1)]);
  }
  await c.query('UPDATE public.accounts SET balance = 11 WHERE id = 1');
  t.comment(`loaded ${EVENTS} events in ${Date.now() - started} ms`);

  // Named clients mid-way: alpha read a quarter, beta was moved to the middle, gamma holds an open
  // peeked batch at three quarters, members 0 and 1 of group team read a batch each.
  const etags = etagsOf((await c.query<{ etag: string }>('SELECT e.etag::text FROM eventlog.events AS e ORDER BY e.tx_order, e.etag')).rows);
  const at = (f: number) => etags[Math.floor(etags.length * f)];
  for (let n = 0; n < Math.floor(etags.length / 4);) {
    n += (await c.query('SELECT etag FROM eventlog.get_event($1, $2)', ['alpha', Math.min(BATCH, Math.floor(etags.length / 4) - n)])).rowCount!;
  }
  await c.query(`SELECT count(*) FROM eventlog.get_event('beta', 1)`);
  await c.query(`SELECT eventlog.seek_client('beta', $1::bigint)`, [at(0.5)]);
  await c.query(`SELECT count(*) FROM eventlog.get_event('gamma', 1)`);
  await c.query(`SELECT eventlog.seek_client('gamma', $1::bigint)`, [at(0.75)]);
  const peeked = etagsOf((await c.query<{ etag: string }>(`SELECT etag::text FROM eventlog.peek_event('gamma', 100)`)).rows);
  await c.query(`SELECT count(*) FROM eventlog.get_event('team', $1, 0, 2)`, [Math.min(BATCH, Math.ceil(EVENTS / 20))]);
  await c.query(`SELECT count(*) FROM eventlog.get_event('team', $1, 1, 2)`, [Math.min(BATCH, Math.ceil(EVENTS / 8))]);

  const before = await state(c);
  const rest = {
    alpha: await restOf(c, 'alpha'),
    beta: await restOf(c, 'beta'),
    team0: await restOf(c, 'team', 0, 2),
    team1: await restOf(c, 'team', 1, 2),
  };
  t.equal(rest.alpha.length, etags.length - Math.floor(etags.length / 4), 'alpha has three quarters of the log left');
  t.same(rest.beta, etags.slice(etags.indexOf(at(0.5)) + 1), 'beta has the second half left');
  t.equal(peeked.length, 100, 'gamma peeked 100 events');
  t.ok(rest.team0.length > 0 && rest.team1.length > 0, 'both members of team have events left');
  const loadStream = (await c.query('SELECT * FROM eventlog.load_stream($1)', ['order-1'])).rows;

  // Writers wait: one is mid-transaction when the conversion starts (the conversion waits for it),
  // another starts while the conversion holds the log (it waits for the conversion).
  const w1 = await db.connect();
  await w1.query('BEGIN');
  const w1Row = (await w1.query<{ etag: string }>(`INSERT INTO eventlog.events (event_type, stream, payload) VALUES ('w1', 'writers', '{"w": 1}') RETURNING etag::text`)).rows[0];
  const converting = cli(['convert', '--database-url', db.url], db.env);
  await waitFor('the conversion to wait for the open writer', async () =>
    (await c.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'pg-eventlog' AND wait_event_type = 'Lock' AND datname = current_database()`)).rowCount === 1);
  const w2 = await db.connect();
  await w2.query("SET statement_timeout = '120s'");
  const w2Insert = w2.query<{ etag: string; part: string }>(`INSERT INTO eventlog.events (event_type, stream, payload) VALUES ('w2', 'writers', '{"w": 2}') RETURNING etag::text, tableoid::regclass::text AS part`);
  await waitFor('the second writer to queue behind the conversion', async () =>
    (await c.query(`SELECT 1 FROM pg_stat_activity AS a WHERE a.pid = $1 AND a.wait_event_type = 'Lock'
                      AND EXISTS (SELECT 1 FROM pg_stat_activity AS b WHERE b.application_name = 'pg-eventlog' AND b.pid = ANY (pg_blocking_pids(a.pid)))`, [(w2 as unknown as { processID: number }).processID])).rowCount === 1);
  // A function call queued the same way resolved the old function before it waited: the old
  // function, kept until the call is answered, refuses with EL084 and writes nothing.
  const w3 = await db.connect();
  await w3.query("SET statement_timeout = '120s'");
  const w3Call = w3.query(`SELECT etag FROM eventlog.log_event('{"w": 3}', 'w3', 'writers')`).then(() => null, (err: unknown) => err);
  await waitFor('the function call to queue behind the conversion', async () =>
    (await c.query(`SELECT 1 FROM pg_stat_activity AS a WHERE a.pid = $1 AND a.wait_event_type = 'Lock'`, [(w3 as unknown as { processID: number }).processID])).rowCount === 1);
  await w1.query('COMMIT');
  const started2 = Date.now();
  const converted = await within('the conversion', converting, 600_000);
  t.comment(`converted ${EVENTS} events in ${Date.now() - started2} ms (CLI process, including its start)`);
  t.equal(converted.code, 0, converted.stderr);
  t.match(converted.stdout, new RegExp(`^converted eventlog\\.events to the partitioned log of pg-eventlog [0-9.]+: ${EVENTS + 6} events kept in events_0000000000000000000 \\(etags 0 to 9999999\\), 5 client cursor rows kept\\n$`));
  const w2Row = (await within('the second writer', w2Insert, 60_000)).rows[0];
  t.equal(w2Row.part, 'eventlog.events_0000000000000000000', 'the writer that waited appended to the converted log, in its range partition');
  t.ok(BigInt(w2Row.etag) > BigInt(w1Row.etag), 'after the event of the writer the conversion waited for');
  const refused = await within('the queued function call', w3Call, 60_000);
  t.match(refused, {
    code: 'EL084',
    message: 'log_event was called while pg-eventlog converted the log to partitions, and the old function is gone; nothing was done',
    hint: 'Call it again: the next call runs on the converted log.',
  }, 'a log_event call that queued behind the conversion is refused with EL084');
  t.same((await c.query(`SELECT count(*)::int AS n FROM eventlog.events WHERE event_type = 'w3'`)).rows, [{ n: 0 }], 'and wrote nothing');
  t.same((await c.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'eventlog_preconvert'`)).rows, [{ n: 0 }], 'the old schema is gone once that call was answered');
  const w3Retry = (await w3.query<{ etag: string; version: number }>(`SELECT etag::text, version FROM eventlog.log_event('{"w": 3}', 'w3', 'writers')`)).rows[0];
  t.equal(w3Retry.version, 3, 'called again, it appends to the converted log: the third event of stream writers');

  // The same rows, byte for byte, in the same order; the small tables and the sequence as they were.
  const c2 = await db.connect();
  t.equal((await c2.query("SELECT relkind::text FROM pg_class WHERE oid = 'eventlog.events'::regclass")).rows[0].relkind, 'p', 'eventlog.events is partitioned');
  const afterRows = await c2.query<{ part: string; n: string }>(`SELECT tableoid::regclass::text AS part, count(*)::text AS n FROM eventlog.events GROUP BY 1 ORDER BY 1`);
  t.same(afterRows.rows, [{ part: 'eventlog.events_0000000000000000000', n: String(EVENTS + 8) }], 'every event, the writers\' included, is in the first range partition');
  const after = await c2.query('BEGIN').then(async () => {
    const s = await state(c2);
    await c2.query('ROLLBACK');
    return s;
  });
  const w = await c2.query<{ etag: string }>(`SELECT e.etag::text FROM eventlog.events AS e WHERE e.event_type IN ('w1', 'w2', 'w3') ORDER BY e.tx_order, e.etag`);
  t.same(etagsOf(w.rows), [w1Row.etag, w2Row.etag, w3Retry.etag], 'the writers\' events, in commit order');
  const withoutWriters = await c2.query<{ n: string; digest: string }>(
    `SELECT count(*)::text AS n, md5(string_agg(md5(e::text), '' ORDER BY e.tx_order, e.etag)) AS digest FROM eventlog.events AS e WHERE e.event_type NOT IN ('w1', 'w2', 'w3')`);
  t.same(withoutWriters.rows[0], { n: before.events.n, digest: before.events.digest }, 'the old events: the same rows as text, in the same log order');
  t.equal(after.events.first, before.events.first, 'the first event, as text');
  t.same(after.tables.client_cursors, before.tables.client_cursors, 'client cursors as they were');
  for (const table of ['snapshots', 'idempotency_keys', 'tracked_tables', 'change_cursors']) {
    t.same(after.tables[table as keyof typeof after.tables], before.tables[table as keyof typeof before.tables], `${table} as they were`);
  }
  t.not(after.tables.streams, '', 'streams carried');
  t.ok(BigInt(after.seq.last_value) >= BigInt(w2Row.etag), 'the etag sequence went on from the old one');

  // Readers resume exactly where they were, and read on past new appends without loss or duplicate.
  const appended = etagsOf((await c2.query<{ etag: string }>(`SELECT etag::text FROM eventlog.log_event('[{"n": "new-1"}, {"n": "new-2"}]', 'after-convert', 'bulk-0')`)).rows);
  const news = [w1Row.etag, w2Row.etag, w3Retry.etag, ...appended];
  const tail = (await c2.query<{ etag: string; part: string }>(`SELECT e.etag::text, e.tableoid::regclass::text AS part FROM eventlog.events AS e WHERE e.etag = ANY ($1::bigint[]) ORDER BY e.etag`, [appended])).rows;
  t.same(tail.map((r) => r.part), ['eventlog.events_0000000000000000000', 'eventlog.events_0000000000000000000'], 'new appends land in the range partition of their etags');
  t.same(await readToEnd(c2, 'SELECT etag FROM eventlog.get_event($1, $2)', ['alpha', BATCH]), [...rest.alpha, ...news], 'alpha reads on from where it was, every event once, then the new ones');
  t.same(await readToEnd(c2, 'SELECT etag FROM eventlog.get_event($1, $2)', ['beta', BATCH]), [...rest.beta, ...news], 'beta too');
  t.same(etagsOf((await c2.query<{ etag: string }>(`SELECT etag::text FROM eventlog.peek_event('gamma', 100)`)).rows), peeked, 'gamma\'s open peeked batch is offered again');
  await c2.query(`SELECT eventlog.ack_event('gamma', $1::bigint)`, [peeked.at(-1)]);
  const gammaRest = await readToEnd(c2, 'SELECT etag FROM eventlog.get_event($1, $2)', ['gamma', BATCH]);
  t.same(gammaRest, [...etags.slice(etags.indexOf(peeked.at(-1)!) + 1), ...news], 'and after its ack gamma reads on after it');
  const team = [
    await readToEnd(c2, 'SELECT etag FROM eventlog.get_event($1, $2, 0, 2)', ['team', BATCH]),
    await readToEnd(c2, 'SELECT etag FROM eventlog.get_event($1, $2, 1, 2)', ['team', BATCH]),
  ];
  t.same(team[0].filter((e) => !news.includes(e)), rest.team0, 'member 0 of team reads on from where it was');
  t.same(team[1].filter((e) => !news.includes(e)), rest.team1, 'member 1 of team too');
  t.same([...team[0], ...team[1]].filter((e) => news.includes(e)).sort(), [...news].sort(), 'and the new events go to one member each');

  // Streams, idempotency, snapshots, the tracked table.
  const repeat = await c2.query(`SELECT a.etag::text, a.version FROM eventlog.append_to_stream('order-1', '[{"type": "created", "payload": {"n": 1}}, {"type": "paid", "payload": {"n": 2}}]', NULL, 'key-1') AS a ORDER BY a.etag`);
  t.same(repeat.rows, first.rows, 'repeating the idempotency key returns the first call\'s events');
  t.same((await c2.query('SELECT * FROM eventlog.load_stream($1)', ['order-1'])).rows, loadStream, 'load_stream: the snapshot and the events after it');
  t.same((await c2.query(`SELECT version FROM eventlog.append_to_stream('order-1', '[{"type": "shipped", "payload": {}}]', 2)`)).rows, [{ version: 3 }], 'the stream goes on at its version');
  await c2.query('UPDATE public.accounts SET balance = 12 WHERE id = 1');
  t.same((await c2.query('SELECT revision FROM public.accounts WHERE id = 1')).rows, [{ revision: 3 }], 'the tracked table is still captured: revision 3');
  t.same((await c2.query(`SELECT payload->>'balance' AS balance FROM eventlog.get_changes('public.accounts') WHERE stream = 'public.accounts:1' ORDER BY etag`)).rows,
    [{ balance: '10' }, { balance: '11' }, { balance: '12' }], 'its change log goes on');
  await t.rejects(c2.query('DELETE FROM eventlog.events WHERE etag = $1', [etags[0]]), { code: 'EL002' }, 'the old rows are append-only as partition rows');

  // The schema is a fresh install's (with the same tracked table).
  const fresh = await freshDatabase(t, { install: true });
  await fresh.query('CREATE TABLE public.accounts (id int PRIMARY KEY, balance int NOT NULL)');
  await fresh.query(`SELECT eventlog.track_table('public.accounts')`);
  const reference = await normalisedSchema(fresh.url);
  const dump = await normalisedSchema(db.url);
  t.same({ missing: reference.filter((e) => !dump.includes(e)), extra: dump.filter((e) => !reference.includes(e)) }, { missing: [], extra: [] },
    'the converted database has the normalised schema of a fresh install');
  const status = await cli(['status', '--database-url', db.url, '--json'], db.env);
  const s = JSON.parse(status.stdout);
  t.same({ pending: s.pending, changed: s.changed, foreign: s.foreign, recorded: s.recorded }, { pending: [], changed: [], foreign: [], recorded: true },
    'status: every migration of this version applied, nothing changed or foreign');

  const again = await cli(['convert', '--database-url', db.url], db.env);
  t.same({ code: again.code, stdout: again.stdout }, { code: 0, stdout: 'eventlog.events is partitioned already; nothing to convert\n' }, 'a second conversion is a no-op');

  await c.end();
  await c2.end();
  const { glob } = await import('zx');
  const files = (await glob(PGTAP_DIRS.map((d) => `${d}/**/*.test.sql`), { cwd: repoRoot })).sort();
  await t.test('pgTAP files on the converted database', (t) => pgtapSuite(t, db.url, files));
});


t.test('refusals: not an install, another unpartitioned version, a log beyond the first partition', async (t) => {
  const empty = await freshDatabase(t);
  const none = await cli(['convert', '--database-url', empty.url], empty.env);
  t.same({ code: none.code, stderr: none.stderr }, {
    code: 1,
    stderr: 'pg-eventlog: error: schema eventlog holds no pg-eventlog install (no eventlog.migrations or eventlog.events); nothing was changed (install with npx pg-eventlog install)\n',
  }, 'a database without pg-eventlog: EL080');

  const other = await freshDatabase(t);
  await other.query('CREATE SCHEMA eventlog');
  await other.query('CREATE TABLE eventlog.migrations (id int)');
  await other.query('CREATE TABLE eventlog.events (id int)');
  await other.query('INSERT INTO eventlog.migrations VALUES (1)');
  const foreign = await cli(['convert', '--database-url', other.url], other.env);
  t.equal(foreign.code, 1);
  t.match(foreign.stderr, /^pg-eventlog: error: schema eventlog holds an unpartitioned pg-eventlog install that is not the pre-partition version \(/, 'another tool\'s tables of those names: EL081');
  t.same((await other.query("SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'eventlog'::regnamespace")).map((r) => r.n), [2], 'nothing was changed');

  const viewed = await oldInstall(t);
  await viewed.query(`SELECT count(*) FROM eventlog.log_event('{"n": 1}')`);
  await viewed.query('CREATE VIEW public.recent AS SELECT etag, payload FROM eventlog.events');
  const blocked = await cli(['convert', '--database-url', viewed.url], viewed.env);
  t.same({ code: blocked.code, stderr: blocked.stderr }, {
    code: 1,
    stderr: 'pg-eventlog: error: objects that pg-eventlog did not create depend on schema eventlog or are in it: view public.recent; nothing was changed (move or drop them, convert, then make them again)\n',
  }, 'a view of the user\'s over the log: EL083, naming it');
  t.same(await viewed.query("SELECT relkind::text AS k, (SELECT count(*)::int FROM eventlog.events) AS n FROM pg_class WHERE oid = 'eventlog.events'::regclass"), [{ k: 'r', n: 1 }], 'the old log is as it was');

  const big = await oldInstall(t);
  await big.query(`SELECT count(*) FROM eventlog.log_event('[{"n": 1}, {"n": 2}]')`);
  await big.query(`SELECT setval('eventlog.events_etag_seq', 10000000)`);
  const late = (await big.query<{ etag: string }>(`SELECT etag::text FROM eventlog.log_event('[{"n": 3}, {"n": 4}]')`)).map((r) => r.etag);
  t.same(late, ['10000001', '10000002']);
  const tooBig = await cli(['convert', '--database-url', big.url], big.env);
  t.same({ code: tooBig.code, stderr: tooBig.stderr }, {
    code: 1,
    stderr: 'pg-eventlog: error: the highest etag of eventlog.events, 10000002, does not fit the first range partition (etags 0 to 9999999); nothing was changed (convert with --partition-size 10000003 or more, e.g. 20000000)\n',
  }, 'a log beyond the first partition of the default size: EL082, naming the size that fits');
  t.equal((await big.query("SELECT relkind::text FROM pg_class WHERE oid = 'eventlog.events'::regclass"))[0].relkind, 'r', 'the log is still the old one');

  const sized = await cli(['convert', '--database-url', big.url, '--partition-size', '10000010'], big.env);
  t.equal(sized.code, 0, sized.stderr);
  t.match(sized.stdout, /: 4 events kept in events_0000000000000000000 \(etags 0 to 10000009\)/);
  const appended = (await big.query<{ etag: string }>(`SELECT etag::text FROM eventlog.log_event('{"n": 5}')`))[0].etag;
  const next = (await big.query<{ etag: string; part: string }>('SELECT etag::text, tableoid::regclass::text AS part FROM eventlog.events WHERE etag = $1', [appended]))[0];
  t.same(next, { etag: next.etag, part: 'eventlog.events_0000000000010000010' }, 'an append near the end of the first range lands in the next range partition');
  t.ok(BigInt(next.etag) >= 10000010n, `at etag ${next.etag}, in that range`);
  t.same((await big.query(`SELECT payload->>'n' AS n FROM eventlog.get_event(0, 10)`)).map((r) => r.n), ['1', '2', '3', '4', '5'], 'the log reads in order across the two partitions');
});
