// pg_dump from one cluster, restore into a fresh cluster whose transaction ids are far behind:
// events appended after the restore must come after the restored ones, on every append path (a
// plain INSERT and a COPY by a writer, log_event), a stream continued after the restore keeps
// dense versions, the log clock is rewritten for the new cluster, and a reader continuing from
// its last etag must miss nothing.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { copyFromStdin, psqlScript } from '../lib/copy.ts';
import { loginRole } from '../lib/login.ts';
import { burnTransactionIds, restoreIntoFreshCluster } from '../lib/restore.ts';

t.test('order and resume points survive pg_dump and restore into a fresh cluster', async (t) => {
  const source = await freshDatabase(t, { install: true });
  await source.query(`SELECT eventlog.log_event('[{"n": 1}, {"n": 2}, {"n": 3}]', 'event', 'order-1')`);
  // Push the source cluster's transaction ids well past where a fresh cluster starts.
  await burnTransactionIds(source);
  await source.query(`INSERT INTO eventlog.events (stream, payload) VALUES ('order-1', '{"n": 4}'), (NULL, '{"n": 5}')`);

  const firstRead = await source.query<{ etag: string; payload: { n: number } }>('SELECT etag, payload FROM eventlog.get_event(0, 3)');
  t.same(firstRead.map((r) => r.payload.n), [1, 2, 3], 'the reader has seen the first three events');
  const resumeAfter = firstRead[2].etag;

  const restored = await restoreIntoFreshCluster(t, source);
  const { rows: [gap] } = await restored.query<{ xid: string; max: string }>(
    'SELECT pg_current_xact_id()::text AS xid, (SELECT max(tx_order) FROM eventlog.events)::text AS max');
  t.ok(BigInt(gap.xid) < BigInt(gap.max), `the fresh cluster's transaction ids (${gap.xid}) are behind the restored positions (${gap.max})`);

  const clockNamesThisStart = async () => (await restored.query<{ named: boolean }>(
    `SELECT pg_get_functiondef('eventlog._clock_offset()'::regprocedure) LIKE '%' || pg_postmaster_start_time()::text || '%' AS named`)).rows[0].named;
  t.equal(await clockNamesThisStart(), false, 'the restored _clock_offset() still names the old cluster\'s server start');

  const { rows: resumedBefore } = await restored.query<{ payload: { n: number } }>('SELECT payload FROM eventlog.get_event($1::bigint, 10)', [resumeAfter]);
  t.same(resumedBefore.map((r) => r.payload.n), [4, 5], 'before any append, a resumed reader gets the rest of the restored events');

  // The first append in the new cluster is a writer's plain INSERT, continuing a restored stream.
  const writer = await loginRole(t, `postgres://postgres@${restored.host}:${restored.port}/${encodeURIComponent(restored.database!)}`, ['eventlog_writer']);
  const app = await writer.connect();
  await app.query('BEGIN');
  const { rows: [inserted] } = await app.query<{ tx_order: string; version: number; xid: string }>(
    `INSERT INTO eventlog.events (stream, payload) VALUES ('order-1', '{"n": 6}') RETURNING tx_order::text, version, pg_current_xact_id()::text AS xid`);
  await app.query('COMMIT');
  t.ok(BigInt(inserted.tx_order) > BigInt(gap.max), `a writer's plain INSERT lands after every restored event (${inserted.tx_order} > ${gap.max})`);
  t.equal(inserted.version, 5, 'and continues the restored stream with the next version');

  // Read before anything here calls _clock_offset(), which would move the clock itself.
  t.equal(await clockNamesThisStart(), true, '_clock_offset() is rewritten by that INSERT for the new cluster: its definition names this server start');
  const { rows: [clock] } = await restored.query<{ here: boolean; xid_offset: string; offset_now: string }>(
    `SELECT system_identifier = (pg_control_system()).system_identifier AS here, xid_offset::text, eventlog._clock_offset()::text AS offset_now FROM eventlog.clock`);
  t.equal(clock.here, true, 'the INSERT moved the log clock to the new cluster');
  t.equal(BigInt(inserted.tx_order), BigInt(inserted.xid) + BigInt(clock.xid_offset), 'its position is its transaction id plus the moved offset');
  t.equal(clock.offset_now, clock.xid_offset, '_clock_offset() returns the moved offset');

  const copied = await psqlScript(writer.env, copyFromStdin('eventlog.events (event_type, stream, payload)', [
    ['event', 'order-1', '{"n": 7}'],
    ['event', null, '{"n": 8}'],
  ]));
  t.equal(copied.code, 0, `a writer's COPY succeeds ${copied.stderr}`);
  await restored.query(`SELECT eventlog.log_event('{"n": 9}', 'event', 'order-1')`);

  const { rows: appended } = await restored.query<{ n: number; after: boolean }>(
    `SELECT (payload->>'n')::int AS n, tx_order > $1::bigint AS after FROM eventlog.events WHERE (payload->>'n')::int >= 6 ORDER BY etag`, [gap.max]);
  t.same(appended, [6, 7, 8, 9].map((n) => ({ n, after: true })), 'the INSERT, the COPY and log_event all land after every restored event');

  const { rows: resumed } = await restored.query<{ payload: { n: number } }>('SELECT payload FROM eventlog.get_event($1::bigint, 10)', [resumeAfter]);
  t.same(resumed.map((r) => r.payload.n), [4, 5, 6, 7, 8, 9], 'resuming after the last etag seen misses nothing, and new events come last');
  const { rows: all } = await restored.query<{ payload: { n: number }; version: number | null }>('SELECT payload, version FROM eventlog.get_event(0, 100)');
  t.same(all.map((r) => r.payload.n), [1, 2, 3, 4, 5, 6, 7, 8, 9], 'the whole log reads in order');
  t.same(all.filter((r) => r.version !== null).map((r) => [r.payload.n, r.version]), [[1, 1], [2, 2], [3, 3], [4, 4], [6, 5], [7, 6], [9, 7]],
    'order-1 has versions 1..7, no gap, across the restore and all three paths');
  const { rows: [stream] } = await restored.query<{ version: number }>(`SELECT version FROM eventlog.streams WHERE stream = 'order-1'`);
  t.equal(stream.version, 7, 'eventlog.streams has order-1 at version 7');
});
