// Crash under load (issue 16). A durable cluster of the test's own (fsync, synchronous_commit and
// full_page_writes on: lib/durable-cluster.ts) is crashed, alternately with `pg_ctl stop -m
// immediate` and with SIGKILL of the postmaster and every backend, while eight writers append
// through the four append paths (two each: INSERT, COPY, log_event, append_to_stream) and four
// named clients consume: two with get_event inside a transaction that records what it processed
// (exactly-once), two with peek_event + ack_event (at-least-once, work outside the database), one
// of each pair with eventlog.synchronous_cursors = on. After each restart:
//
//   - every append whose COMMIT was acknowledged to its writer is in the log, whole;
//   - an append in flight at the crash (COMMIT sent, no reply) is in the log whole or not at all;
//     one never committed is absent; nothing else is in the log;
//   - every event a client was given before the crash is still in the log, in the same order;
//   - each client resumes without losing an event: a get_event client exactly after what its
//     committed transactions processed; a peek/ack client no later than after what it processed,
//     and, with synchronous_cursors = on, no earlier than after its last acknowledged ack (the
//     default, off, may deliver a few acknowledged events again: README, Durability);
//   - every stream's versions are 1..n in log order, streams.version is n, append_to_stream's
//     expected versions continue from there;
//   - the log clock is right: an append after the restart orders after everything before it;
//   - an append_to_stream in flight at the crash, repeated with its idempotency key, happens once.
//
// The kill point moves from iteration to iteration (a different time into the load; every third
// one during a CHECKPOINT). RELIABILITY_CRASH_ITERATIONS and RELIABILITY_CRASH_LOAD_MS set the size;
// `make test` runs the small default, `make test-reliability` a long run (docs/reliability.md).
import t from 'tap';
import pg from 'pg';
import { createDatabase, databaseUrl, pgEnv } from '../../scripts/lib/database.ts';
import { install } from '../../src/install/index.ts';
import { copyFromStdin, psqlScript } from '../lib/copy.ts';
import { loginRole, type LoginRole } from '../lib/login.ts';
import { sleep, waitFor, within } from '../lib/wait.ts';
import { checkAppends, connect, isConnectionLoss, type AppendTx } from './lib/appends.ts';
import { startDurableCluster, type CrashMode, type DurableCluster } from './lib/durable-cluster.ts';

const ITERATIONS = Number(process.env.RELIABILITY_CRASH_ITERATIONS ?? 2);
const LOAD_MS = Number(process.env.RELIABILITY_CRASH_LOAD_MS ?? 1200);
const BATCH = 10;
const PATHS = ['insert', 'copy', 'log_event', 'append_to_stream'] as const;
type Path = (typeof PATHS)[number];

interface Tx extends AppendTx<Path> {
  /** append_to_stream: the call, to repeat it with its idempotency key after the crash. */
  retry?: { stream: string; events: string; expected: number; key: string };
}

interface Totals {
  iterations: number;
  ackedTx: number;
  ackedEvents: number;
  inflightTx: number;
  inflightCommitted: number;
  retried: number;
  retriedCommitted: number;
  redeliveredOff: number;
  consumedBeforeCrash: number;
  modes: Record<CrashMode, number>;
}

t.test('crashes under load lose nothing acknowledged, write nothing half, and every client resumes as documented', { timeout: 900_000 }, async (t) => {
  const cluster: DurableCluster = await startDurableCluster();
  t.teardown(() => cluster.stop());
  const url = await createDatabase(cluster.url);
  await install({ databaseUrl: url });
  const writerRole = await loginRole(t, url, ['eventlog_writer']);
  const readerRole = await loginRole(t, url, ['eventlog_reader']);
  {
    const su = await connect(url);
    // What the exactly-once consumers process, in their own transactions.
    await su.query('CREATE TABLE public.processed (client text NOT NULL, etag bigint NOT NULL, PRIMARY KEY (client, etag))');
    await su.query(`GRANT SELECT, INSERT ON public.processed TO ${readerRole.name}`);
    const [{ fsync, sc }] = (await su.query(`SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc`)).rows;
    t.same({ fsync, sc }, { fsync: 'on', sc: 'on' }, 'the crash cluster runs with fsync and synchronous_commit on');
    await su.end();
  }

  const txs: Tx[] = [];
  const streamVersions = new Map<string, number>(); // append_to_stream writers' own streams
  const totals: Totals = { iterations: 0, ackedTx: 0, ackedEvents: 0, inflightTx: 0, inflightCommitted: 0, retried: 0, retriedCommitted: 0, redeliveredOff: 0, consumedBeforeCrash: 0, modes: { immediate: 0, sigkill: 0 } };
  // Where each client stands in log order after the previous iteration's drain (an etag; 0 = beginning).
  const clients = {
    'get-off': { kind: 'get' as const, sync: false, start: 0n },
    'get-on': { kind: 'get' as const, sync: true, start: 0n },
    'peek-off': { kind: 'peek' as const, sync: false, start: 0n },
    'peek-on': { kind: 'peek' as const, sync: true, start: 0n },
  };
  type ClientName = keyof typeof clients;

  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    const mode: CrashMode = iteration % 2 === 0 ? 'immediate' : 'sigkill';
    const killAfter = Math.round(LOAD_MS * (0.4 + ((iteration * 0.37) % 0.8)));
    const duringCheckpoint = iteration % 3 === 2;
    // In every other pair of iterations the writers pause for a moment before the kill while the
    // consumers work off their backlog: then the last cursor moves are not carried to disk by a
    // writer's commit flush, and a crash loses those that committed asynchronously.
    const quiet = iteration % 4 === 1 || iteration % 4 === 2;
    await t.test(`iteration ${iteration + 1}: ${mode} after ${killAfter} ms${quiet ? ', writers quiet' : ''}${duringCheckpoint ? ', during a CHECKPOINT' : ''}`, async (t) => {
      let crashed = false;
      let paused = false;
      const iterationTxs: Tx[] = [];
      const newTx = (writer: number, path: Path, n: number): Tx => {
        const tx: Tx = { writer, path, ids: Array.from({ length: n }, (_, i) => `i${iteration}-w${writer}-${txs.length}-${i}`), state: 'unsent' };
        txs.push(tx);
        iterationTxs.push(tx);
        return tx;
      };

      // ---- writers
      const writer = async (w: number) => {
        const path = PATHS[w % 4];
        const shared = (k: number) => `shared-${(w + k) % 4}`;
        let c: pg.Client | undefined;
        try {
          if (path !== 'copy') c = await connect(writerRole.url);
          for (let k = 0; !crashed; k++) {
            while (paused && !crashed) await sleep(5);
            if (crashed) break;
            const n = 1 + (k % 3);
            const tx = newTx(w, path, n);
            try {
              if (path === 'insert') {
                await c!.query('BEGIN');
                const values = tx.ids.map((_, i) => `($${i * 2 + 1}, $${i * 2 + 2}::jsonb)`).join(', ');
                await c!.query(`INSERT INTO eventlog.events (stream, payload) VALUES ${values}`,
                  tx.ids.flatMap((id, i) => [i === 0 ? shared(k) : null, JSON.stringify({ id })]));
                tx.state = 'inflight';
                await c!.query('COMMIT');
              } else if (path === 'log_event') {
                tx.state = 'inflight'; // autocommit: the call is the commit
                await c!.query(`SELECT eventlog.log_event($1::jsonb, 'crash', $2)`, [JSON.stringify(tx.ids.map((id) => ({ id }))), shared(k)]);
              } else if (path === 'append_to_stream') {
                const stream = `own-${w}`;
                const expected = streamVersions.get(stream) ?? 0;
                tx.state = 'inflight';
                tx.retry = { stream, events: JSON.stringify(tx.ids.map((id) => ({ type: 'crash', payload: { id } }))), expected, key: `key-${tx.ids[0]}` };
                const r = await c!.query(`SELECT version FROM eventlog.append_to_stream($1, $2::jsonb, expected_version => $3, idempotency_key => $4)`,
                  [stream, tx.retry.events, expected, tx.retry.key]);
                streamVersions.set(stream, r.rows[r.rows.length - 1].version);
              } else {
                // COPY through psql: the \echo runs only after COMMIT returned.
                const rows = tx.ids.map((id, i) => ['copied', i === 0 ? shared(k) : null, JSON.stringify({ id })]);
                tx.state = 'inflight';
                const r = await psqlScript({ ...writerRole.env, PGCONNECT_TIMEOUT: '5' },
                  `BEGIN;\n${copyFromStdin('eventlog.events (event_type, stream, payload)', rows)}COMMIT;\n\\echo committed\n`);
                if (!/committed/.test(r.stdout)) {
                  if (r.error && !/^(57P0|08)/.test(r.error.code) && !crashed) throw Object.assign(new Error(r.error.message), { code: r.error.code });
                  if (r.stdout === '' && !r.error && /could not connect|Connection refused/.test(r.stderr)) tx.state = 'failed';
                  break;
                }
              }
              tx.state = 'acked';
            } catch (err) {
              if (!isConnectionLoss(err)) {
                // A refusal (none is expected here) is a rolled-back transaction: record it, then fail.
                tx.state = 'failed';
                throw err;
              }
              if (tx.state === 'unsent') tx.state = 'failed'; // lost before COMMIT was sent: rolled back
              break;
            }
          }
        } finally {
          await c?.end().catch(() => {});
        }
      };

      // ---- consumers
      const consumed: Record<ClientName, { processed: bigint[]; acked: bigint[]; ackInflight?: bigint; peekedUpTo?: bigint; committedEvents: number }> = {
        'get-off': { processed: [], acked: [], committedEvents: 0 },
        'get-on': { processed: [], acked: [], committedEvents: 0 },
        'peek-off': { processed: [], acked: [], committedEvents: 0 },
        'peek-on': { processed: [], acked: [], committedEvents: 0 },
      };
      const consumer = async (name: ClientName) => {
        const cl = clients[name];
        const rec = consumed[name];
        let c: pg.Client | undefined;
        try {
          c = await connect(readerRole.url, cl.sync ? ['SET eventlog.synchronous_cursors = on'] : []);
          while (!crashed) {
            if (cl.kind === 'get') {
              // Exactly-once inside the database: read and record in one transaction.
              await c.query('BEGIN');
              const { rows } = await c.query<{ etag: string }>(`SELECT etag::text FROM eventlog.get_event($1::text, $2)`, [name, BATCH]);
              if (rows.length) {
                await c.query(`INSERT INTO public.processed SELECT $1, unnest($2::bigint[])`, [name, rows.map((r) => r.etag)]);
              }
              await c.query('COMMIT');
              if (rows.length) rec.committedEvents += rows.length;
              rec.processed.push(...rows.map((r) => BigInt(r.etag)));
              if (!rows.length) await sleep(15);
            } else {
              const { rows } = await c.query<{ etag: string }>(`SELECT etag::text FROM eventlog.peek_event($1, $2)`, [name, BATCH]);
              if (!rows.length) {
                await sleep(15);
                continue;
              }
              // The work outside the database is done for every peeked event before the ack.
              const last = BigInt(rows[rows.length - 1].etag);
              rec.processed.push(...rows.map((r) => BigInt(r.etag)));
              rec.peekedUpTo = last;
              rec.ackInflight = last;
              await c.query(`SELECT eventlog.ack_event($1, $2::bigint)`, [name, last.toString()]);
              rec.acked.push(last);
              rec.ackInflight = undefined;
            }
          }
        } catch (err) {
          if (!isConnectionLoss(err) && !crashed) throw err;
        } finally {
          await c?.end().catch(() => {});
        }
      };

      const writers = Array.from({ length: 8 }, (_, w) => writer(w));
      const consumers = (Object.keys(clients) as ClientName[]).map((n) => consumer(n));
      const all = Promise.allSettled([...writers, ...consumers]);

      // Let the load run, make sure every path committed something, then crash.
      await sleep(killAfter);
      await waitFor('an acknowledged commit on every append path', () =>
        PATHS.every((p) => iterationTxs.some((x) => x.path === p && x.state === 'acked')), { timeoutMs: 30_000 });
      // Two appends certainly unacknowledged at the crash: an open transaction that appended to
      // stream held-N, and a log_event to the same stream queued behind it.
      const held = newTx(100, 'insert', 1);
      const queued = newTx(101, 'log_event', 1);
      const holder = await connect(writerRole.url);
      const waiter = await connect(writerRole.url);
      await holder.query('BEGIN');
      await holder.query(`INSERT INTO eventlog.events (stream, payload) VALUES ($1, $2::jsonb)`, [`held-${iteration}`, JSON.stringify({ id: held.ids[0] })]);
      queued.state = 'inflight';
      const queuedCall = waiter.query(`SELECT eventlog.log_event($1::jsonb, 'crash', $2)`, [JSON.stringify({ id: queued.ids[0] }), `held-${iteration}`])
        .then(() => { queued.state = 'acked'; }, () => {});
      {
        const su = await connect(cluster.url);
        await waitFor('the queued log_event to wait for the open append to its stream', async () =>
          (await su.query(`SELECT 1 FROM pg_catalog.pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%log_event%'`)).rowCount);
        await su.end();
      }
      if (quiet) {
        paused = true;
        await sleep(150);
      }
      let checkpoint: Promise<unknown> | undefined;
      if (duringCheckpoint) {
        const su = await connect(cluster.url);
        checkpoint = su.query('CHECKPOINT').catch(() => {}).finally(() => su.end().catch(() => {}));
        await sleep(5);
      }
      // The writers and consumers go on until the server is gone: the kill lands among their
      // commits (what is in flight then is checked below), and they stop on the lost connection.
      await cluster.crash(mode);
      crashed = true;
      totals.modes[mode]++;
      const results = await within('every writer and consumer to stop after the crash', all, 120_000);
      await within('the queued log_event to fail with the crash', queuedCall, 60_000);
      await Promise.all([holder.end().catch(() => {}), waiter.end().catch(() => {})]);
      await checkpoint;
      const failures = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
      t.same(failures, [], 'no writer or consumer met anything but the lost connection');

      await cluster.start();
      const su = await connect(url);

      // ---- the writers' appends
      const log = (await su.query<{ id: string; etag: string }>(
        `SELECT e.payload->>'id' AS id, e.etag::text AS etag FROM eventlog.events AS e ORDER BY e.tx_order, e.etag`)).rows;
      const ours = log.filter((r) => r.id !== null); // the rest: one event per earlier iteration, appended after its restart
      const present = new Map(ours.map((r) => [r.id, r.etag]));
      t.equal(present.size, ours.length, 'no event is in the log twice');
      t.equal(log.length - ours.length, iteration, 'and the only others are the earlier iterations\' appends after their restarts');
      const { acked, inflight } = checkAppends(t, iterationTxs, present);
      t.same([held, queued].flatMap((x) => x.ids.filter((id) => present.has(id))), [],
        'the open append and the log_event queued behind it at the crash are not in the log');
      t.equal(queued.state, 'inflight', 'the queued log_event was still waiting when the server went down');
      const known = new Set(txs.flatMap((x) => x.ids));
      t.same(log.filter((r) => r.id !== null && !known.has(r.id)).map((r) => r.id), [], 'nothing but the writers\' events is in the log');

      // ---- stream versions
      const versions = (await su.query<{ stream: string; versions: number[]; head: number | null }>(
        `SELECT e.stream, array_agg(e.version ORDER BY e.tx_order, e.etag) AS versions, max(s.version) AS head
         FROM eventlog.events AS e LEFT JOIN eventlog.streams AS s USING (stream)
         WHERE e.stream IS NOT NULL GROUP BY e.stream ORDER BY e.stream`)).rows;
      const notDense = versions.filter((v) => v.versions.some((x, i) => x !== i + 1) || v.head !== v.versions.length);
      t.same(notDense, [], `the versions of all ${versions.length} streams are 1..n in log order, and streams.version is n`);
      for (const v of versions) if (v.stream.startsWith('own-')) streamVersions.set(v.stream, v.versions.length);

      // ---- the clients
      const order = log.map((r) => BigInt(r.etag));
      const index = new Map(order.map((e, i) => [e, i]));
      const after = (etag: bigint) => (etag === 0n ? 0 : index.get(etag)! + 1); // position in order of the next event
      const reader = await connect(readerRole.url, ['SET eventlog.synchronous_cursors = on']);
      for (const name of Object.keys(clients) as ClientName[]) {
        const cl = clients[name];
        const rec = consumed[name];
        const from = after(cl.start);
        totals.consumedBeforeCrash += rec.processed.length;
        t.same(rec.processed.map(String), order.slice(from, from + rec.processed.length).map(String),
          `${name}: the ${rec.processed.length} events it was given before the crash are in the log, in log order, with nothing skipped`);
        // Where it resumes: the first event the next read gives.
        const first = (await reader.query<{ etag: string }>(`SELECT etag::text FROM eventlog.peek_event($1, 1)`, [name])).rows[0];
        const resume = first ? index.get(BigInt(first.etag))! : order.length;
        if (cl.kind === 'get') {
          const done = (await su.query<{ etag: string }>(`SELECT p.etag::text AS etag FROM public.processed AS p WHERE p.client = $1 ORDER BY p.etag`, [name])).rows.map((r) => BigInt(r.etag));
          const doneNow = done.filter((e) => (index.get(e) ?? -1) >= from).sort((a, b) => index.get(a)! - index.get(b)!);
          t.same(doneNow.map(String), order.slice(from, from + doneNow.length).map(String), `${name}: what its committed transactions processed is a gapless run of the log`);
          t.equal(resume, from + doneNow.length, `${name}: it resumes exactly after what its committed transactions processed (exactly-once)`);
          if (cl.sync) {
            t.ok(doneNow.length >= rec.committedEvents, `${name} (synchronous_cursors = on): every event whose transaction's COMMIT returned stayed processed (${doneNow.length} >= ${rec.committedEvents})`);
          } else {
            totals.redeliveredOff += Math.max(0, rec.committedEvents - doneNow.length);
          }
        } else {
          const processedUpTo = rec.peekedUpTo === undefined ? from : after(rec.peekedUpTo);
          t.ok(resume <= processedUpTo, `${name}: it resumes no later than after what it processed (at ${resume}, processed up to ${processedUpTo}): nothing lost`);
          const lastAck = rec.acked.length ? after(rec.acked[rec.acked.length - 1]) : from;
          if (cl.sync) {
            const allowed = rec.ackInflight === undefined ? [lastAck] : [lastAck, after(rec.ackInflight)];
            t.ok(allowed.includes(resume), `${name} (synchronous_cursors = on): it resumes after its last acknowledged ack, no redelivery (at ${resume}, expected ${allowed.join(' or ')})`);
          } else {
            t.ok(resume >= from && resume <= Math.max(lastAck, processedUpTo), `${name}: it resumes between its start and its last ack (at ${resume})`);
            totals.redeliveredOff += Math.max(0, lastAck - resume);
          }
        }
        // Drain it to the end for the next iteration; it gets every event after its resume point.
        const rest: bigint[] = [];
        for (;;) {
          const { rows } = cl.kind === 'get'
            ? await reader.query<{ etag: string }>(`SELECT etag::text FROM eventlog.get_event($1::text, 1000)`, [name])
            : await reader.query<{ etag: string }>(`SELECT etag::text FROM eventlog.peek_event($1, 1000)`, [name]);
          if (!rows.length) break;
          rest.push(...rows.map((r) => BigInt(r.etag)));
          if (cl.kind === 'peek') await reader.query(`SELECT eventlog.ack_event($1, $2::bigint)`, [name, rows[rows.length - 1].etag]);
        }
        t.same(rest.map(String), order.slice(resume).map(String), `${name}: after the restart it gets every later event, in order`);
        cl.start = order.length ? order[order.length - 1] : 0n;
      }

      // ---- the log clock
      const oldMax = (await su.query<{ tx_order: string; etag: string }>(`SELECT max(tx_order)::text AS tx_order, max(etag)::text AS etag FROM eventlog.events`)).rows[0];
      const w = await connect(writerRole.url);
      const fresh = (await w.query<{ tx_order: string; etag: string }>(
        `INSERT INTO eventlog.events (payload) VALUES ('{"after": "restart"}') RETURNING tx_order::text, etag::text`)).rows[0];
      await w.end();
      t.ok(BigInt(fresh.tx_order) > BigInt(oldMax.tx_order) && BigInt(fresh.etag) > BigInt(oldMax.etag),
        `an append after the restart orders after everything before it (tx_order ${fresh.tx_order} > ${oldMax.tx_order})`);
      const next = (await reader.query<{ etag: string }>(`SELECT etag::text FROM eventlog.get_event($1::bigint, 10)`, [clients['get-on'].start.toString()])).rows;
      t.same(next.map((r) => r.etag), [fresh.etag], 'a reader resuming after the last old event gets it next');
      for (const cl of Object.keys(clients) as ClientName[]) clients[cl].start = BigInt(fresh.etag);
      // The clients also pass it, so that the next iteration starts from the end of the log.
      for (const name of Object.keys(clients) as ClientName[]) {
        const { rows } = await reader.query<{ etag: string }>(`SELECT etag::text FROM eventlog.peek_event($1, 10)`, [name]);
        t.same(rows.map((r) => r.etag), [fresh.etag], `${name} gets the new event next`);
        await reader.query(`SELECT eventlog.ack_event($1, $2::bigint)`, [name, fresh.etag]);
      }
      // A writer that lost its reply repeats its append_to_stream with the same idempotency key:
      // the append happens exactly once, whether or not the first call had committed.
      const unsure = inflight.filter((x) => x.retry);
      const retrier = await connect(writerRole.url);
      for (const x of unsure) {
        const committed = x.ids.every((id) => present.has(id));
        const { rows } = await retrier.query<{ id: string }>(
          `SELECT payload->>'id' AS id FROM eventlog.append_to_stream($1, $2::jsonb, expected_version => $3, idempotency_key => $4)`,
          [x.retry!.stream, x.retry!.events, x.retry!.expected, x.retry!.key]);
        t.same(rows.map((r) => r.id), x.ids, `the repeated append_to_stream of ${x.ids[0]} (${committed ? 'committed' : 'lost'} at the crash) returns its events`);
        const [{ n }] = (await su.query<{ n: number }>(`SELECT count(*)::int AS n FROM eventlog.events WHERE payload->>'id' = ANY ($1)`, [x.ids])).rows;
        t.equal(n, x.ids.length, `and they are in the log once each`);
        totals.retried++;
        if (committed) totals.retriedCommitted++;
        x.state = 'acked';
      }
      await retrier.end();
      for (const x of unsure) streamVersions.set(x.retry!.stream, x.retry!.expected + x.ids.length);
      await reader.end();
      await su.end();

      totals.iterations++;
      totals.ackedTx += acked.length;
      totals.ackedEvents += acked.reduce((s, x) => s + x.ids.length, 0);
      totals.inflightTx += inflight.length;
      totals.inflightCommitted += inflight.filter((x) => x.ids.every((id) => present.has(id))).length;
      t.comment(`in flight at the kill: ${inflight.length} appends (${inflight.filter((x) => x.ids.every((id) => present.has(id))).length} of them committed)`);
    });
  }
  t.comment(`crash record: ${JSON.stringify(totals)}`);
});
