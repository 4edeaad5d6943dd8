// Crashes of the partitioned log and of push delivery (issue 16; crash-under-load.test.ts covers
// the append paths and the SQL consumers on one partition). A durable cluster of the test's own
// (lib/durable-cluster.ts) with partitions of 2,000 etags is crashed, alternately with `pg_ctl stop
// -m immediate` and SIGKILL of every server process, while
//
//   - four writers (INSERT and log_event, one to three events a transaction, half of them on
//     shared streams) push the log across many partition boundaries;
//   - a maintenance loop (as eventlog_admin) calls ensure_partitions(25) and detach_partitions()
//     below every consumer's position: the lowest cursor of the named clients, the SSE follower's
//     Last-Event-ID and the serve tail's etag (from /metrics), so that nothing a consumer still
//     needs is detached; the second of every three crashes lands while a detach_partitions()
//     waits for its lock;
//   - a get_event consumer records what it processed in its transaction (exactly-once, with
//     eventlog.synchronous_cursors = on);
//   - the package's subscribe() follows the named client 'push' (at-least-once, the default
//     synchronous_cursors = off), with a watch-mode Wakeups, for the whole test: it must reconnect
//     by itself (backoff) after every crash. While the writers write it works slowly and stands
//     partitions behind; each iteration waits until a range it has not read is closed and a
//     maintenance run has seen it, so that only the position rule keeps that range attached;
//   - a `pg-eventlog serve` process (the CLI) serves /events?from=0 to an SSE follower that
//     reconnects as EventSource does, with Last-Event-ID. Every other crash kills serve too (and
//     it is started again); in the others serve stays up and the follower's connection is cut
//     while the database is down, so it reconnects to a serve whose database is not there.
//
// After each restart:
//   - every acknowledged append is in the log or an archived table exactly once, whole; an append
//     in flight is whole or absent; nothing that never reached COMMIT is anywhere;
//   - log order across partitions: each transaction's events share one tx_order, in the order
//     appended; a writer's transactions are in the order it committed them; stream versions are
//     1..n in log order across partitions and archived tables;
//   - partitions: ensure_partitions() runs clean (no range left unpartitioned); every table of
//     the partition naming scheme is either attached or recorded in archived_ranges, never both,
//     never neither (no orphan); archived ranges are closed ranges of partition_ranges, which are
//     contiguous with the closed ones first; a detach in flight at the crash is whole or absent;
//   - nothing a consumer needs was archived: every archived event had been received by every
//     consumer, and no consumer's read meets EL051;
//   - the get_event consumer resumes exactly after what its committed transactions processed;
//     subscribe() has every event in log order, repeats only of events it had already received
//     (counted: at-least-once); the SSE follower has every event exactly once, in log order;
//   - the log clock: an append after the restart orders after everything before it.
//
// RELIABILITY_PARTITION_CRASH_ITERATIONS (else RELIABILITY_CRASH_ITERATIONS), RELIABILITY_CRASH_LOAD_MS
// and RELIABILITY_PARTITION_AHEAD set the size; `make test` runs two iterations, `make
// test-reliability` its --partition-iterations or --iterations (docs/reliability.md).
import t from 'tap';
import type pg from 'pg';
import { createDatabase, freePort } from '../../scripts/lib/database.ts';
import { install } from '../../src/install/index.ts';
import { subscribe, Wakeups } from '../../src/index.ts';
import { loginRole } from '../lib/login.ts';
import { sleep, waitFor, within } from '../lib/wait.ts';
import { checkAppends, connect, isConnectionLoss, type AppendTx } from './lib/appends.ts';
import { startDurableCluster, type CrashMode } from './lib/durable-cluster.ts';
import { SseFollower, startServe, type ServeProcess } from './lib/push.ts';

const ITERATIONS = Number(process.env.RELIABILITY_PARTITION_CRASH_ITERATIONS ?? process.env.RELIABILITY_CRASH_ITERATIONS ?? 2);
const LOAD_MS = Number(process.env.RELIABILITY_CRASH_LOAD_MS ?? 1000);
// Partitions of 2,000 etags, 10 kept ahead. An ATTACH waits for the readers of the default
// partition; until await_log_end() (0055) a watch-mode wait_for_log_end() held it for up to a
// second, so one ensure_partitions run took up to about a second per range it made; with partitions of 200 the writers (about
// 2,500 etags/s here) crossed more ranges per second than a run could make, overtook maintenance
// and left ranges in the default partition (partition-attach-overtaken-by-writers.test.ts,
// docs/reliability.md). A partition must hold more than a second of the writers' etags.
const SIZE = Number(process.env.RELIABILITY_PARTITION_SIZE ?? 2000);
const AHEAD = Number(process.env.RELIABILITY_PARTITION_AHEAD ?? 10);
const WRITERS = 4;
type Path = 'insert' | 'log_event';
type Tx = AppendTx<Path>;

interface Totals {
  iterations: number;
  modes: Record<CrashMode, number>;
  ackedTx: number;
  ackedEvents: number;
  inflightTx: number;
  inflightCommitted: number;
  partitionsCrossed: number;
  partitionsDetached: number;
  crashedIn: Record<'idle' | 'ensure_partitions' | 'detach_partitions' | 'positions', number>;
  detachInFlightCommitted: number;
  archivedEventsChecked: number;
  subscribeRedelivered: number;
  subscribeReconnects: number;
  sseReconnects: number;
  sseServeKilled: number;
  sseCutWhileDown: number;
  eventsInDefaultPartition: number;
}

t.test('crashes of the partitioned log under maintenance lose nothing, and push consumers resume as documented', { timeout: 900_000 }, async (t) => {
  const cluster = await startDurableCluster();
  t.teardown(() => cluster.stop());
  const url = await createDatabase(cluster.url);
  await install({ databaseUrl: url });
  const writerRole = await loginRole(t, url, ['eventlog_writer']);
  const readerRole = await loginRole(t, url, ['eventlog_reader']);
  const adminRole = await loginRole(t, url, ['eventlog_admin']);
  {
    const su = await connect(url);
    await su.query(`SELECT eventlog.set_partition_size(${SIZE})`);
    await su.query('SELECT count(*) FROM eventlog.ensure_partitions($1)', [AHEAD]);
    await su.query('CREATE TABLE public.processed (client text NOT NULL, etag bigint NOT NULL, PRIMARY KEY (client, etag))');
    await su.query(`GRANT SELECT, INSERT ON public.processed TO ${readerRole.name}`);
    await su.end();
  }

  // ---- the push consumers, for the whole test
  const stopPush = new AbortController();
  const errors = { subscribe: 0, wakeups: 0 };
  const wakeups = new Wakeups({ connectionString: readerRole.url, mode: 'watch', onError: () => errors.wakeups++ });
  await wakeups.start();
  const pushed: string[] = [];
  // While the writers write, subscribe()'s loop works slowly (50 events per 500 ms, far below the
  // writers' rate), so that it stands partitions behind the others and the maintenance must
  // respect its cursor; after the crash it catches up at full speed.
  const push = { slow: false, error: undefined as unknown };
  const subscriber = (async () => {
    for await (const b of subscribe({
      connectionString: readerRole.url, client: 'push', batchSize: 50, pollIntervalMs: 200, wakeups, signal: stopPush.signal,
      reconnectMinMs: 50, reconnectMaxMs: 1000, onError: () => errors.subscribe++,
    })) {
      pushed.push(...b.events.map((e) => e.etag));
      if (push.slow) await sleep(500);
    }
  })().catch((err) => { push.error = err; });
  const port = await freePort();
  const serveArgs = ['--wakeups', 'watch', '--poll-interval', '100', '--retry', '200', '--batch-size', '50', '--verbose'];
  let server: ServeProcess | undefined = await startServe(port, readerRole.env, serveArgs);
  const sseBase = server.url;
  const sse = new SseFollower(() => sseBase, '/events?from=0', 200);
  sse.start();
  t.teardown(async () => {
    stopPush.abort();
    await sse.stop();
    await server?.kill();
    await within('the subscriber to stop', subscriber, 30_000).catch(() => {});
    await wakeups.close();
  });

  const txs: Tx[] = [];
  const totals: Totals = {
    iterations: 0, modes: { immediate: 0, sigkill: 0 }, ackedTx: 0, ackedEvents: 0, inflightTx: 0, inflightCommitted: 0,
    partitionsCrossed: 0, partitionsDetached: 0, crashedIn: { idle: 0, ensure_partitions: 0, detach_partitions: 0, positions: 0 },
    detachInFlightCommitted: 0, archivedEventsChecked: 0, subscribeRedelivered: 0, subscribeReconnects: 0, sseReconnects: 0,
    sseServeKilled: 0, sseCutWhileDown: 0, eventsInDefaultPartition: 0,
  };
  let getStart = 0n; // where the get_event consumer stands after the previous iteration (an etag)
  const lastTxOrder = new Map<number, bigint>(); // per writer: the tx_order of its last acknowledged transaction

  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    const mode: CrashMode = iteration % 2 === 0 ? 'immediate' : 'sigkill';
    const killServe = iteration % 2 === 1;
    const duringDetach = iteration % 3 === 1;
    const killAfter = Math.round(LOAD_MS * (0.5 + ((iteration * 0.37) % 0.8)));
    await t.test(`iteration ${iteration + 1}: ${mode} after ${killAfter} ms${duringDetach ? ', while a detach_partitions waits' : ''}${killServe ? ', serve killed too' : ', serve stays up'}`, async (t) => {
      let crashed = false;
      const iterationTxs: Tx[] = [];
      const su0 = await connect(url);
      getStart = BigInt((await su0.query<{ etag: string }>(`SELECT coalesce(max(etag), 0)::text AS etag FROM eventlog.client_cursors WHERE client = 'get-on'`)).rows[0].etag);
      const seqAtStart = BigInt((await su0.query<{ v: string | null }>(`SELECT pg_sequence_last_value('eventlog.events_etag_seq')::text AS v`)).rows[0].v ?? '0');
      await su0.end();

      // ---- writers
      const writer = async (w: number) => {
        const path: Path = w % 2 === 0 ? 'insert' : 'log_event';
        let c: pg.Client | undefined;
        try {
          c = await connect(writerRole.url);
          for (let k = 0; !crashed; k++) {
            const tx: Tx = { writer: w, path, ids: Array.from({ length: 1 + (k % 3) }, (_, i) => `p${iteration}-w${w}-${txs.length}-${i}`), state: 'unsent' };
            txs.push(tx);
            iterationTxs.push(tx);
            const stream = k % 2 === 0 ? `shared-${k % 3}` : null;
            try {
              if (path === 'insert') {
                await c.query('BEGIN');
                const values = tx.ids.map((_, i) => `($1, $${i + 2}::jsonb)`).join(', ');
                await c.query(`INSERT INTO eventlog.events (stream, payload) VALUES ${values}`, [stream, ...tx.ids.map((id) => JSON.stringify({ id, w }))]);
                tx.state = 'inflight';
                await c.query('COMMIT');
              } else {
                tx.state = 'inflight';
                await c.query(`SELECT eventlog.log_event($1::jsonb, 'crash', $2)`, [JSON.stringify(tx.ids.map((id) => ({ id, w }))), stream]);
              }
              tx.state = 'acked';
            } catch (err) {
              if (!isConnectionLoss(err)) {
                tx.state = 'failed';
                await c.query('ROLLBACK').catch(() => {});
                // A first writer of a stream queued across a boundary may be refused with 40001
                // (docs/partitions.md): retryable, rolled back, nothing written.
                if ((err as { code?: string }).code === '40001') continue;
                throw err;
              }
              if (tx.state === 'unsent') tx.state = 'failed';
              break;
            }
          }
        } catch (err) {
          if (!isConnectionLoss(err) && !crashed) throw err;
        } finally {
          await c?.end().catch(() => {});
        }
      };

      // ---- the exactly-once SQL consumer
      let getCommitted = 0;
      const getProcessed: bigint[] = [];
      const getConsumer = async () => {
        let c: pg.Client | undefined;
        try {
          c = await connect(readerRole.url, ['SET eventlog.synchronous_cursors = on']);
          while (!crashed) {
            await c.query('BEGIN');
            const { rows } = await c.query<{ etag: string }>(`SELECT etag::text FROM eventlog.get_event('get-on'::text, 20)`);
            if (rows.length) await c.query(`INSERT INTO public.processed SELECT 'get-on', unnest($1::bigint[])`, [rows.map((r) => r.etag)]);
            await c.query('COMMIT');
            getCommitted += rows.length;
            getProcessed.push(...rows.map((r) => BigInt(r.etag)));
            if (!rows.length) await sleep(15);
          }
        } catch (err) {
          if (!isConnectionLoss(err) && !crashed) throw err;
        } finally {
          await c?.end().catch(() => {});
        }
      };

      // ---- maintenance
      const maint = { state: 'idle' as keyof Totals['crashedIn'], detaching: undefined as bigint | undefined, detachingFrom: '', detached: 0, runs: 0, ensureMs: 0, detachMs: 0 };
      const maintenance = async () => {
        let admin: pg.Client | undefined;
        let su: pg.Client | undefined;
        try {
          admin = await connect(adminRole.url);
          su = await connect(url);
          while (!crashed) {
            maint.state = 'ensure_partitions';
            const t0 = Date.now();
            await admin.query('SELECT count(*) FROM eventlog.ensure_partitions($1)', [AHEAD]);
            maint.ensureMs = Math.max(maint.ensureMs, Date.now() - t0);
            maint.state = 'positions';
            // The lowest position any consumer stands at, as a tx_order: the named clients'
            // cursors, the SSE follower's Last-Event-ID, the serve tail (unknown while serve is
            // down: then nothing is detached).
            const tail = await fetch(`${sseBase}/metrics`).then((r) => r.text()).then((m) => /^pg_eventlog_serve_tail_etag (\d+)$/m.exec(m)?.[1]).catch(() => undefined);
            const [{ n: clients }] = (await su.query<{ n: number }>(`SELECT count(*)::int AS n FROM eventlog.client_cursors WHERE client IN ('push', 'get-on')`)).rows;
            if (tail !== undefined && clients === 2 && !crashed) {
              // One range per run, the first closed one not archived yet whose events all come
              // before that position: a DETACH waits for every open statement on the log (a
              // reader's batch; no longer the watcher, whose waits hold no lock since 0055), and ensure_partitions must keep up meanwhile.
              const range = (await su.query<{ floor: string; from: string }>(
                `WITH positions (etag) AS (SELECT unnest($1::bigint[])),
                      lowest AS (SELECT least((SELECT min(c.tx_order) FROM eventlog.client_cursors AS c),
                                              (SELECT min(coalesce(e.tx_order, -1)) FROM positions AS p LEFT JOIN eventlog.events AS e ON e.etag = p.etag)) AS tx_order)
                 SELECT r.to_etag::text AS floor, r.from_etag::text AS from FROM eventlog.partition_ranges AS r, lowest AS l
                 WHERE NOT EXISTS (SELECT 1 FROM eventlog.archived_ranges AS a WHERE a.from_etag = r.from_etag)
                   AND r.max_tx_order_so_far IS NOT NULL AND r.max_tx_order_so_far < l.tx_order
                 ORDER BY r.from_etag LIMIT 1`,
                [[tail, sse.lastEventId || '0', ...(sse.received.length ? [sse.received.at(-1)!] : [])]])).rows[0];
              if (range !== undefined) {
                const floor = range.floor;
                maint.state = 'detach_partitions';
                maint.detaching = BigInt(floor);
                maint.detachingFrom = range.from;
                const t1 = Date.now();
                const r = await admin.query(`SELECT * FROM eventlog.detach_partitions($1::bigint)`, [floor]);
                maint.detachMs = Math.max(maint.detachMs, Date.now() - t1);
                maint.detached += r.rowCount ?? 0;
                maint.detaching = undefined;
              }
            }
            maint.runs++;
            maint.state = 'idle';
            await sleep(30);
          }
        } catch (err) {
          if (!isConnectionLoss(err) && !crashed) throw err;
        } finally {
          await admin?.end().catch(() => {});
          await su?.end().catch(() => {});
        }
      };

      const failures: string[] = [];
      push.slow = true;
      const all = Promise.allSettled([...Array.from({ length: WRITERS }, (_, w) => writer(w)), getConsumer(), maintenance()]
        .map((p) => p.catch((err) => { failures.push(`${String(err)} ${(err as { detail?: string }).detail ?? ''} ${(err as { where?: string }).where ?? ''}`); throw err; })));
      const noFailure = () => {
        if (failures.length) throw new Error(`a writer, consumer or the maintenance failed: ${failures.join('; ')}`);
      };
      await sleep(killAfter);
      await waitFor('the writers to cross three partition boundaries', async () => {
        noFailure();
        const su = await connect(url);
        try {
          return BigInt((await su.query<{ v: string }>(`SELECT pg_sequence_last_value('eventlog.events_etag_seq')::text AS v`)).rows[0].v) >= seqAtStart + BigInt(3 * SIZE);
        } finally {
          await su.end();
        }
      }, { timeoutMs: 60_000, intervalMs: 50 });
      // A range passed in this iteration is closed, and a whole maintenance run saw it: the slow
      // subscribe() has not read it, so only the position rule keeps it attached.
      let closedAtRun: number | undefined;
      if (!duringDetach) await waitFor('a range passed in this iteration to close, and a maintenance run after that', async () => {
        noFailure();
        const su = await connect(url);
        try {
          const closedNow = (await su.query(`SELECT 1 FROM eventlog.partition_ranges AS r WHERE r.from_etag >= $1 AND r.max_tx_order_so_far IS NOT NULL`, [seqAtStart.toString()])).rowCount;
          if (closedNow && closedAtRun === undefined) closedAtRun = maint.runs;
          return closedAtRun !== undefined && maint.runs > closedAtRun + 1;
        } finally {
          await su.end();
        }
      }, { timeoutMs: 60_000, intervalMs: 50 });
      await waitFor('an acknowledged commit on both append paths', () =>
        (['insert', 'log_event'] as const).every((p) => iterationTxs.some((x) => x.path === p && x.state === 'acked')), { timeoutMs: 30_000 });

      const pushLag = await (async () => {
        const su = await connect(url);
        try {
          return (await su.query<{ n: number }>(`SELECT count(*)::int AS n FROM eventlog.events AS e, eventlog.client_cursors AS c
            WHERE c.client = 'push' AND (e.tx_order, e.etag) > (c.tx_order, c.etag)`)).rows[0].n;
        } finally {
          await su.end();
        }
      })();
      t.comment(`subscribe('push') stands ${pushLag} events behind before the crash`);
      // A detach that waits for its ACCESS EXCLUSIVE lock behind an open transaction of the log.
      let holder: pg.Client | undefined;
      let detachWaited = false;
      if (duringDetach) {
        push.slow = false; // it passes closed ranges, so that the maintenance has one to detach
        holder = await connect(url);
        await holder.query('BEGIN');
        // The log alone (ONLY): a lock on its partitions would hold back ensure_partitions' ATTACH
        // (it locks the default partition), not only the DETACH.
        await holder.query('LOCK TABLE ONLY eventlog.events IN ACCESS SHARE MODE');
        const su = await connect(url);
        detachWaited = await waitFor('a detach_partitions() to wait for its lock', async () =>
          (await su.query(`SELECT 1 FROM pg_catalog.pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%detach_partitions%'`)).rowCount, { timeoutMs: 20_000 })
          .then(() => true, () => false);
        await su.end();
        t.comment(detachWaited ? `a detach_partitions(${maint.detaching}) waits for its lock at the crash` : 'no detach_partitions came to wait in 20 s: a plain crash');
      }

      const inFlightDetach = maint.state === 'detach_partitions' ? maint.detachingFrom : undefined;
      totals.crashedIn[maint.state]++;
      const subscribeErrorsBefore = errors.subscribe;
      await cluster.crash(mode);
      crashed = true;
      push.slow = false;
      totals.modes[mode]++;
      if (killServe) {
        await server!.kill();
        server = undefined;
        totals.sseServeKilled++;
      }
      const results = await within('every writer, consumer and the maintenance to stop after the crash', all, 120_000);
      await holder?.end().catch(() => {});
      t.same(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)), [],
        'no writer, consumer or maintenance met anything but the lost connection');
      const sseOpensBefore = sse.opens;
      if (!killServe) {
        // The follower's network path drops while the database is down: it reconnects to a serve
        // that cannot reach its database.
        const attempts = sse.attempts;
        sse.cut();
        await waitFor('the SSE follower to try again while the database is down', () => sse.attempts > attempts || sse.gaveUp, { timeoutMs: 30_000 });
        await sleep(300); // its request reaches serve, whose database is still gone
        totals.sseCutWhileDown++;
      }

      await cluster.start();
      if (killServe) server = await startServe(port, readerRole.env, serveArgs);
      const su = await connect(url);

      // ---- the appends, in the log or archived
      const archived = (await su.query<{ from_etag: string; to_etag: string; partition_name: string; max_tx_order: string }>(
        `SELECT a.from_etag::text, a.to_etag::text, a.partition_name, a.max_tx_order::text FROM eventlog.archived_ranges AS a ORDER BY a.from_etag`)).rows;
      const sources = ['eventlog.events', ...archived.map((a) => `eventlog.${a.partition_name}`)];
      type Row = { id: string | null; etag: string; tx_order: string; stream: string | null; version: number | null; archived: boolean };
      const rows = (await su.query<Row>(
        `SELECT x.id, x.etag::text, x.tx_order::text, x.stream, x.version, x.archived FROM (`
        + sources.map((s, i) => `SELECT payload->>'id' AS id, etag, tx_order, stream, version, ${i > 0} AS archived FROM ${s}`).join(' UNION ALL ')
        + ') AS x ORDER BY x.tx_order, x.etag')).rows;
      const ours = rows.filter((r) => r.id !== null);
      const byId = new Map<string, Row[]>();
      for (const r of ours) byId.set(r.id!, [...(byId.get(r.id!) ?? []), r]);
      t.same([...byId].filter(([, rs]) => rs.length > 1).map(([id]) => id), [], 'no event is in the log (or the log and an archived table) twice');
      t.equal(rows.length - ours.length, iteration, 'the only others are the earlier iterations\' appends after their restarts');
      const present = new Map(ours.map((r) => [r.id!, r]));
      const { acked, inflight, inflightCommitted } = checkAppends(t, iterationTxs, present);
      const known = new Set(txs.flatMap((x) => x.ids));
      t.same(ours.filter((r) => !known.has(r.id!)).map((r) => r.id), [], 'nothing but the writers\' events is in the log');

      // ---- log order across partitions
      const committedTxs = txs.filter((x) => x.ids.every((id) => present.has(id)));
      const split = committedTxs.filter((x) => new Set(x.ids.map((id) => present.get(id)!.tx_order)).size !== 1
        || x.ids.some((id, i) => i > 0 && BigInt(present.get(id)!.etag) <= BigInt(present.get(x.ids[i - 1])!.etag)));
      t.same(split.map((x) => x.ids), [], `each of ${committedTxs.length} committed transactions has one position in log order, its events in the order appended`);
      const outOfOrder: string[] = [];
      for (const x of iterationTxs) {
        if (!x.ids.every((id) => present.has(id))) continue;
        const at = BigInt(present.get(x.ids[0])!.tx_order);
        if ((lastTxOrder.get(x.writer) ?? -1n) >= at) outOfOrder.push(x.ids[0]);
        lastTxOrder.set(x.writer, at);
      }
      t.same(outOfOrder, [], 'each writer\'s transactions are in the log in the order it committed them, across partitions');
      const versions = new Map<string, number[]>();
      for (const r of rows) if (r.stream !== null) versions.set(r.stream, [...(versions.get(r.stream) ?? []), r.version!]);
      const heads = new Map((await su.query<{ stream: string; version: number }>('SELECT stream, version FROM eventlog.streams')).rows.map((r) => [r.stream, r.version]));
      t.same([...versions].filter(([s, vs]) => vs.some((v, i) => v !== i + 1) || heads.get(s) !== vs.length).map(([s]) => s), [],
        `the versions of all ${versions.size} streams are 1..n in log order across partitions and archived tables, and streams.version is n`);

      // ---- partitions
      const notices: string[] = [];
      su.on('notice', (n) => notices.push(n.message ?? ''));
      const ensured = (await su.query<{ partition_name: string }>('SELECT partition_name FROM eventlog.ensure_partitions($1)', [AHEAD])).rows;
      t.same(notices.filter((n) => /not partitioned/.test(n)), [], `ensure_partitions runs clean after the restart (${ensured.length} partitions created)`);
      const tables = (await su.query<{ name: string; attached: boolean; archived: boolean; bound: string | null }>(
        `SELECT c.relname::text AS name, i.inhrelid IS NOT NULL AS attached,
                EXISTS (SELECT 1 FROM eventlog.archived_ranges AS a WHERE a.partition_name = c.relname) AS archived,
                pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_catalog.pg_class AS c
         LEFT JOIN pg_catalog.pg_inherits AS i ON i.inhrelid = c.oid AND i.inhparent = 'eventlog.events'::regclass
         WHERE c.relnamespace = 'eventlog'::regnamespace AND c.relkind = 'r' AND c.relname ~ '^events_[0-9]{19}$'
         ORDER BY c.relname`)).rows;
      t.same(tables.filter((x) => x.attached === x.archived).map((x) => x.name), [],
        `each of ${tables.length} partition tables is attached or archived, not both, not neither (no orphan)`);
      t.same(archived.filter((a) => !tables.some((x) => x.name === a.partition_name && x.archived && !x.attached)).map((a) => a.partition_name), [],
        `each of ${archived.length} archived ranges has its detached table`);
      const ranges = (await su.query<{ from_etag: string; to_etag: string; closed: boolean; max_tx_order: string | null }>(
        'SELECT r.from_etag::text, r.to_etag::text, r.max_tx_order_so_far IS NOT NULL AS closed, r.max_tx_order::text FROM eventlog.partition_ranges AS r ORDER BY r.from_etag')).rows;
      t.same(ranges.filter((r, i) => (i === 0 ? r.from_etag !== '0' : r.from_etag !== ranges[i - 1].to_etag) || (i > 0 && r.closed && !ranges[i - 1].closed)), [],
        `partition_ranges: ${ranges.length} contiguous ranges from 0, the closed ones first`);
      t.same(archived.filter((a) => !ranges.some((r) => r.closed && BigInt(r.from_etag) <= BigInt(a.from_etag) && BigInt(r.to_etag) >= BigInt(a.to_etag) && r.max_tx_order === a.max_tx_order)).map((a) => a.partition_name), [],
        'every archived range is a closed range, with its highest tx_order');
      const misplaced = rows.filter((r) => r.archived && !archived.some((a) => BigInt(a.from_etag) <= BigInt(r.etag) && BigInt(r.etag) < BigInt(a.to_etag)));
      t.same(misplaced.map((r) => r.etag), [], 'every archived event lies in its table\'s range');
      if (inFlightDetach !== undefined) {
        const wasDetached = archived.some((a) => a.from_etag === inFlightDetach);
        t.comment(`the detach_partitions() of the range from ${inFlightDetach} in flight at the crash ${wasDetached ? 'had committed' : 'had not committed'} (checked whole either way above)`);
        if (wasDetached) totals.detachInFlightCommitted++;
        if (detachWaited) t.notOk(wasDetached, 'the detach that still waited for its lock at the crash left its partition attached');
      }
      const [{ n: inDefault }] = (await su.query<{ n: number }>('SELECT count(*)::int AS n FROM eventlog.events_default')).rows;
      totals.eventsInDefaultPartition = inDefault;

      // ---- the clients
      const order = rows.map((r) => r.etag);
      const index = new Map(order.map((e, i) => [e, i]));
      const archivedEtags = rows.filter((r) => r.archived).map((r) => r.etag);
      const from = getStart === 0n ? 0 : index.get(getStart.toString())! + 1;
      t.same(getProcessed.map(String), order.slice(from, from + getProcessed.length), `get-on: the ${getProcessed.length} events it was given are in log order, nothing skipped`);
      const done = (await su.query<{ etag: string }>(`SELECT etag::text FROM public.processed WHERE client = 'get-on'`)).rows.map((r) => r.etag);
      const doneNow = done.filter((e) => (index.get(e) ?? -1) >= from);
      t.ok(doneNow.length >= getCommitted, `get-on (synchronous_cursors = on): every transaction whose COMMIT returned stayed (${doneNow.length} >= ${getCommitted})`);
      const reader = await connect(readerRole.url, ['SET eventlog.synchronous_cursors = on']);
      const first = (await reader.query<{ etag: string }>(`SELECT etag::text FROM eventlog.peek_event('get-on', 1)`)).rows[0];
      t.equal(first ? index.get(first.etag) : order.length, from + doneNow.length, 'get-on resumes exactly after what its committed transactions processed (no EL051)');
      const rest: string[] = [];
      for (;;) {
        const { rows: got } = await reader.query<{ etag: string }>(`SELECT etag::text FROM eventlog.get_event('get-on'::text, 1000)`);
        if (!got.length) break;
        rest.push(...got.map((r) => r.etag));
      }
      t.same(rest, order.slice(from + doneNow.length), 'get-on: after the restart it gets every later event, in order');
      await reader.query(`INSERT INTO public.processed SELECT 'get-on', unnest($1::bigint[]) ON CONFLICT DO NOTHING`, [rest]);

      // The push consumers reconnect by themselves and catch up.
      await waitFor('subscribe() to reconnect and catch up with the log', () => {
        if (push.error) throw new Error(`subscribe() ended with ${String(push.error)}`);
        const got = new Set(pushed);
        return order.every((e) => got.has(e));
      }, { timeoutMs: 60_000, intervalMs: 100 });
      t.ok(errors.subscribe > subscribeErrorsBefore, `subscribe() lost its connection and reconnected by itself (${errors.subscribe - subscribeErrorsBefore} connection errors, each followed by a backoff)`);
      const firstSeen = [...new Set(pushed)];
      t.same(firstSeen, order, `subscribe('push'): every event, in log order, across ${totals.iterations + 1} crashes (no EL051)`);
      totals.subscribeRedelivered = pushed.length - firstSeen.length;
      // At-least-once: a repeat is the client going back to its last durable ack after a crash and
      // reading on from there in order; never a skip forward.
      const jumps = pushed.map((e, i) => (i === 0 ? 0 : index.get(e)! - index.get(pushed[i - 1])!)).filter((d, i) => i > 0 && d !== 1);
      t.ok(jumps.every((d) => d <= 0) && jumps.length <= totals.iterations + 1,
        `subscribe('push') repeats only by going back after a crash (${jumps.length} times over ${totals.iterations + 1} crashes, ${totals.subscribeRedelivered} events again), never skipping forward`);
      await waitFor('the SSE follower to reconnect and catch up with the log', () => sse.gaveUp || sse.received.length >= order.length, { timeoutMs: 60_000, intervalMs: 50 });
      t.same(sse.gaveUp, undefined, 'serve never refused the reconnecting SSE follower (EventSource would give up)');
      t.ok(sse.opens > sseOpensBefore, `the SSE follower reconnected with Last-Event-ID (${sse.opens} streams so far)`);
      t.same(sse.received, order, 'the SSE follower has every event exactly once, in log order, across partitions and archived ranges');
      const [gotPushed, gotSse, gotDone] = [new Set(pushed), new Set(sse.received), new Set(done)];
      const everyConsumer = archivedEtags.filter((e) => !(gotPushed.has(e) && gotSse.has(e) && gotDone.has(e)));
      t.same(everyConsumer, [], `every one of ${archivedEtags.length} archived events had reached every consumer before it was detached`);

      // ---- the log clock
      const w = await connect(writerRole.url);
      const fresh = (await w.query<{ tx_order: string; etag: string }>(`INSERT INTO eventlog.events (payload) VALUES ('{"after": "restart"}') RETURNING tx_order::text, etag::text`)).rows[0];
      await w.end();
      const last = rows.at(-1)!;
      t.ok(BigInt(fresh.tx_order) > BigInt(last.tx_order) && BigInt(fresh.etag) > BigInt(rows.reduce((m, r) => (BigInt(r.etag) > m ? BigInt(r.etag) : m), 0n)),
        `an append after the restart orders after everything before it, archived events included (tx_order ${fresh.tx_order} > ${last.tx_order})`);
      const next = (await reader.query<{ etag: string }>(`SELECT etag::text FROM eventlog.get_event('get-on'::text, 10)`)).rows;
      t.same(next.map((r) => r.etag), [fresh.etag], 'get-on gets it next');
      await reader.query(`INSERT INTO public.processed VALUES ('get-on', $1)`, [fresh.etag]);
      await waitFor('the push consumers to get it', () => pushed.includes(fresh.etag) && sse.received.includes(fresh.etag), { timeoutMs: 30_000 });
      await reader.end();
      await su.end();

      totals.iterations++;
      totals.ackedTx += acked.length;
      totals.ackedEvents += acked.reduce((s, x) => s + x.ids.length, 0);
      totals.inflightTx += inflight.length;
      totals.inflightCommitted += inflightCommitted.length;
      totals.partitionsDetached = archived.length;
      totals.partitionsCrossed = tables.length;
      totals.archivedEventsChecked = archivedEtags.length;
      totals.subscribeReconnects = errors.subscribe;
      totals.sseReconnects = sse.opens - 1;
      t.comment(`maintenance: ${maint.runs} runs (longest ensure_partitions ${maint.ensureMs} ms, detach_partitions ${maint.detachMs} ms), ${maint.detached} partitions detached this iteration; in flight at the kill: ${inflight.length} appends (${inflightCommitted.length} committed)`);
    });
  }
  t.comment(`partition crash record: ${JSON.stringify(totals)}`);
});
