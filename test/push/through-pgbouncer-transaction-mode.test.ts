// PgBouncer in transaction pooling mode (Debian's pgbouncer, 1.18 there: no prepared statements
// across server connections) in front of the test cluster, with fewer server connections than
// clients, so that every reader's statements run on whatever server connection is free. What
// docs/push.md ("Readers without LISTEN: hot standbys and PgBouncer") says, shown:
// - LISTEN through the pooler hears nothing (the listening session goes back to the pool), yet a
//   subscriber that uses it still gets every event, by polling;
// - the documented path, wake-ups in watch mode through the pooler, delivers every event exactly
//   once to position subscribers, an at-least-once client and an in-transaction client, while
//   they poll only once a minute; and so do `pg-eventlog tail --wakeups watch` and `serve
//   --wakeups watch` through it.
// Writers commit directly, concurrently, several events per transaction.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import pg from 'pg';
import { freshDatabase, repoRoot, testCluster, type TestDatabase, type TestLike } from '../lib/db.ts';
import { loginRole, type LoginRole } from '../lib/login.ts';
import { pgEnv } from '../../scripts/lib/database.ts';
import { slowToConnect, startPgBouncer, type PgBouncer } from '../lib/pgbouncer.ts';
import { subscribe, Wakeups, WakeWatcher, type SubscribeOptions } from '../../src/index.ts';
import { serve } from '../../src/serve/index.ts';
import { openSse } from '../serve/sse-client.ts';
import { sleep, waitFor, within } from '../lib/wait.ts';

const bin = fileURLToPath(new URL('../../bin/pg-eventlog.js', import.meta.url));

/** 3 writers, `each` events apiece in transactions of 1..3 events; resolves with nothing. Payload {w, i}. */
async function write(db: TestDatabase, each: number, offset = 0): Promise<void> {
  await Promise.all([0, 1, 2].map(async (w) => {
    const c = await db.connect();
    for (let i = 0; i < each;) {
      const k = Math.min(each - i, 1 + ((i + w) % 3));
      await c.query('BEGIN');
      for (let j = 0; j < k; j++, i++) await c.query(`SELECT eventlog.log_event(jsonb_build_object('w', $1::int, 'i', $2::int))`, [w, offset + i]);
      await c.query('COMMIT');
      await sleep(2);
    }
  }));
}

async function logOrder(db: TestDatabase): Promise<string[]> {
  return (await db.query<{ k: string }>(`SELECT (payload->>'w') || '.' || (payload->>'i') AS k FROM eventlog.events ORDER BY tx_order, etag`)).map((r) => r.k);
}

const key = (p: unknown) => `${(p as { w: number }).w}.${(p as { i: number }).i}`;

/** `serverDelayMs`: the pooler's every new server connection takes that long to open (slowToConnect). */
async function setup(t: TestLike, poolSize = 2, serverDelayMs = 0): Promise<{ db: TestDatabase; reader: LoginRole; pgb: PgBouncer; via: string }> {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  const { url } = await testCluster();
  const server = serverDelayMs > 0 ? await slowToConnect(t, url, serverDelayMs) : url;
  const pgb = await startPgBouncer(t, server, { users: [reader.name], poolSize });
  // The pooler trusts its clients and the throwaway cluster trusts loopback: no password through it.
  const u = new URL(pgb.urlOf(reader.url));
  u.password = '';
  return { db, reader, pgb, via: u.toString() };
}

t.test('LISTEN through a transaction pooler hears nothing; a subscriber still gets every event by polling', async (t) => {
  const { db, pgb, via } = await setup(t);
  const watcher = new WakeWatcher({ connectionString: db.url }); // direct: it notifies for real
  await watcher.start();
  t.teardown(() => watcher.close());
  const listener = new Wakeups({ connectionString: via });
  await listener.start(); // LISTEN succeeded, on some server connection, which went back to the pool
  t.teardown(() => listener.close());
  const heard: string[] = [];
  listener.on('wake', (w) => heard.push(w.etag));

  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const got: string[] = [];
  const loop = (async () => {
    for await (const b of subscribe({ connectionString: via, from: '0', wakeups: listener, pollIntervalMs: 200, batchSize: 5, signal: ac.signal })) {
      got.push(...b.events.map((e) => key(e.payload)));
    }
  })();
  await write(db, 20);
  const log = await logOrder(db);
  await waitFor('the subscriber to have every event', () => got.length >= log.length, { timeoutMs: 30_000 });
  await waitFor('the watcher to have announced the last event', () => watcher.notifications >= 2 && watcher.logEnd !== '');
  t.same(got, log, `the subscriber got all ${log.length} events exactly once, in log order, by polling through the pooler`);
  t.same(heard, [], `the listener through the pooler heard none of the watcher's ${watcher.notifications} notifications`);
  const [pool] = await pgb.pools(db.name);
  t.equal(pool?.pool_mode, 'transaction', 'through a pool in transaction mode');
  ac.abort();
  await loop;
});

t.test('watch-mode wake-ups through a transaction pooler: every subscriber kind gets every event exactly once', async (t) => {
  const { db, reader, pgb, via } = await setup(t, 2);
  await db.query('CREATE TABLE public.projected (k text PRIMARY KEY)');
  await db.query(`GRANT INSERT ON public.projected TO ${reader.name}`);
  const wakeups = new Wakeups({ connectionString: via, mode: 'watch' });
  await wakeups.start();
  const ac = new AbortController();
  t.teardown(async () => {
    ac.abort();
    await wakeups.close();
  });
  // A poll a minute: within the test's bounds, only wake-ups deliver.
  const common = { connectionString: via, wakeups, pollIntervalMs: 60_000, batchSize: 4, signal: ac.signal } satisfies SubscribeOptions;
  const positions: string[][] = [[], [], [], []];
  const atLeastOnce: string[] = [];
  const errors: string[] = [];
  const onError = (e: Error) => errors.push(e.message);
  const loops = Promise.all([
    ...positions.map(async (sink) => {
      for await (const b of subscribe({ ...common, from: '0', onError })) sink.push(...b.events.map((e) => key(e.payload)));
    }),
    (async () => {
      for await (const b of subscribe({ ...common, client: 'mailer', onError })) atLeastOnce.push(...b.events.map((e) => key(e.payload)));
    })(),
    (async () => {
      for await (const b of subscribe({ ...common, client: 'projector', delivery: 'in-transaction', onError })) {
        for (const e of b.events) await b.transaction!.query('INSERT INTO public.projected VALUES ($1)', [key(e.payload)]);
      }
    })(),
  ]);
  let peak = { clients: 0, servers: 0 };
  const sampling = (async () => {
    while (!ac.signal.aborted) {
      const [p] = await pgb.pools(db.name).catch(() => []);
      if (p) {
        const clients = Number(p.cl_active) + Number(p.cl_waiting);
        const servers = Number(p.sv_active) + Number(p.sv_idle) + Number(p.sv_used) + Number(p.sv_tested) + Number(p.sv_login);
        peak = { clients: Math.max(peak.clients, clients), servers: Math.max(peak.servers, servers) };
      }
      await sleep(50);
    }
  })();
  await write(db, 40);
  const log = await logOrder(db);
  const projected = async () => (await db.query<{ k: string }>('SELECT k FROM public.projected')).map((r) => r.k);
  await waitFor('every subscriber to reach the end of the log, woken through the pooler', async () =>
    positions.every((p) => p.length >= log.length) && atLeastOnce.length >= log.length && (await projected()).length >= log.length, { timeoutMs: 30_000 });
  for (const [i, p] of positions.entries()) t.same(p, log, `position subscriber ${i + 1}: all ${log.length} events exactly once, in log order`);
  t.same(atLeastOnce, log, 'the at-least-once client (peek/ack through the pooler): every event once, in log order');
  t.same((await projected()).sort(), [...log].sort(), 'the in-transaction client (BEGIN … COMMIT through the pooler): every event projected exactly once');
  t.same(errors, [], 'no subscriber saw a connection error (the statements work on any server connection)');
  t.ok(wakeups.wakes > 0, `woken by the watcher in this process, through the pooler (${wakeups.wakes} wake-ups)`);
  t.ok(peak.clients >= 7 && peak.servers <= 2, `7 clients shared at most 2 server connections (peak: ${JSON.stringify(peak)})`);
  ac.abort();
  await loops;
  await sampling;
});

t.test('tail --wakeups watch and serve --wakeups watch through a transaction pooler: every event exactly once', async (t) => {
  const { db, via } = await setup(t, 2);
  await write(db, 10); // before: replayed by both

  const child = spawn(process.execPath, [bin, 'tail', '--from', '0', '--json', '--wakeups', 'watch', '--poll-interval', '60000', '--batch-size', '7'],
    { env: { ...process.env, ...pgEnv(via) }, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const tailed = () => stdout.split('\n').filter(Boolean).map((l) => key(JSON.parse(l).payload));

  const h = await serve({ connectionString: via, port: 0, wakeups: 'watch', pollIntervalMs: 60_000, batchSize: 7, log: () => {} });
  t.teardown(() => h.close());
  const replaying = await openSse(`${h.url}/events?from=0`, {}, t);
  const live = await openSse(`${h.url}/events`, {}, t); // new events only

  await waitFor('tail to print the first events', () => tailed().length >= 30, { timeoutMs: 30_000 });
  const before = await logOrder(db);
  await write(db, 20, 100); // while both follow
  const log = await logOrder(db);
  await waitFor('tail to print every event', () => tailed().length >= log.length, { timeoutMs: 30_000 });
  await replaying.waitFor(log.length, 'every event on the replaying stream');
  await live.waitFor(log.length - before.length, 'every new event on the live stream');
  t.same(tailed(), log, `tail through the pooler printed all ${log.length} events exactly once, in log order`);
  const sse = (s: typeof live) => s.messages.map((m) => key(JSON.parse(m.data)));
  t.same(sse(replaying), log, 'serve through the pooler: ?from=0 got every event exactly once (replay, then the tail)');
  t.same(sse(live), log.slice(before.length), 'serve through the pooler: a stream opened before the writes got every new event exactly once');

  child.kill('SIGINT');
  t.equal(await within('tail to exit after Ctrl-C', exited, 10_000), 0, 'tail exits 0');
  t.match(stderr, new RegExp(`stopped after ${log.length} events`), 'and counted every event');
});

// A closed watcher leaves no wait_for_log_end() running on the server. Its wait holds a server
// connection of the pool for up to waitMs (60 s here), so close() must cancel it, and through a
// pooler only the protocol's cancel request can (the backend pid the client knows is PgBouncer's).
// PgBouncer 1.18 forwards a cancel request on a server connection it opens for it, one login at a
// time per pool; until then it keeps the request's socket, and it drops the request if that
// socket is closed first. Our request used to half-close its socket at once: lost whenever
// PgBouncer could not open the forwarding connection before it read the end of the socket (a
// login in progress, a slow server, a loaded machine). The second subtest makes that certain.
const waitsOnServer = (db: TestDatabase) => async () => (await db.query<{ pid: number }>(
  `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND (query LIKE '%await_log_end(%' OR query LIKE '%wait_for_log_end(%') AND pid <> pg_backend_pid()`)).length;
const cancelLines = async (pgb: PgBouncer) => (await pgb.log()).split('\n').filter((l) => /cancel|unexpected eof/.test(l)).slice(-6).join('\n');

t.test('a watcher through a transaction pooler leaves no waiting statement behind when closed', async (t) => {
  const { db, pgb, via } = await setup(t, 2);
  const watcher = new WakeWatcher({ connectionString: via, notify: false, waitMs: 60_000 });
  t.teardown(() => watcher.close());
  await watcher.start();
  const waiting = waitsOnServer(db);
  await waitFor('the watcher\'s wait to be running on a server connection', async () => (await waiting()) === 1);
  await within('close() to resolve', watcher.close(), 15_000);
  await waitFor('the server to stop running the watcher\'s wait', async () => (await waiting()) === 0, { timeoutMs: 10_000 })
    .catch(async (err) => t.fail(`${(err as Error).message}; PgBouncer's log:\n${await cancelLines(pgb)}`));
  t.equal(await waiting(), 0, 'no await_log_end() left running on the server after close()');
});

t.test('the cancel reaches the server when PgBouncer cannot forward it at once (a login in progress on a slow server)', async (t) => {
  // Every server connection takes 1 s to open. While another client's login is in progress,
  // PgBouncer opens no second one: the cancel request waits in the pooler for a second or more.
  const { db, pgb, via } = await setup(t, 2, 1_000);
  const watcher = new WakeWatcher({ connectionString: via, notify: false, waitMs: 60_000 });
  t.teardown(() => watcher.close());
  await watcher.start();
  const waiting = waitsOnServer(db);
  await waitFor('the watcher\'s wait to be running on a server connection', async () => (await waiting()) === 1);
  const other = new pg.Client({ connectionString: via });
  other.on('error', () => {});
  await other.connect();
  t.teardown(() => other.end().catch(() => {}));
  const second = other.query('SELECT 1 AS one'); // the wait holds the first server connection: PgBouncer logs in a second one
  await waitFor('PgBouncer to be logging in a second server connection', async () => {
    const [p] = await pgb.pools(db.name);
    return p !== undefined && Number(p.sv_login) >= 1;
  }, { timeoutMs: 10_000, intervalMs: 5 });
  await within('close() to resolve', watcher.close(), 15_000);
  await waitFor('the server to stop running the watcher\'s wait', async () => (await waiting()) === 0, { timeoutMs: 10_000 })
    .catch(async (err) => t.fail(`${(err as Error).message}; PgBouncer's log:\n${await cancelLines(pgb)}`));
  t.equal(await waiting(), 0, 'no await_log_end() left running on the server after close()');
  t.match(await cancelLines(pgb), /started sending cancel request/, 'PgBouncer forwarded the cancel request once it could');
  t.same((await within('the other client\'s query', second, 15_000)).rows, [{ one: 1 }], 'the other client was served meanwhile');
});

t.test('a watcher closed while its wait is queued for a busy pool cancels the wait once it starts', async (t) => {
  // One server connection. The watcher's next wait queues in PgBouncer behind another client's
  // open transaction; a cancel sent now finds no server statement to cancel (PgBouncer drops it:
  // "cancel request for idle client"). close() sends it again until the statement has answered,
  // so when the transaction ends and the wait starts, the next cancel ends it.
  const { db, pgb, via } = await setup(t, 1);
  const watcher = new WakeWatcher({ connectionString: via, notify: false, waitMs: 60_000 });
  t.teardown(() => watcher.close());
  await watcher.start();
  const waiting = waitsOnServer(db);
  await waitFor('the watcher\'s wait to be running on the server connection', async () => (await waiting()) === 1);
  const other = new pg.Client({ connectionString: via });
  other.on('error', () => {});
  await other.connect();
  t.teardown(() => other.end().catch(() => {}));
  const clientsWaiting = async () => Number((await pgb.pools(db.name))[0]?.cl_waiting ?? 0);
  const begun = other.query('BEGIN'); // queued behind the wait
  await waitFor('the other client to queue for the server connection', async () => (await clientsWaiting()) >= 1);
  // An event ends the wait; the server connection goes to the queued BEGIN and stays with its
  // transaction; the watcher's next wait queues.
  await db.query(`SELECT eventlog.log_event('{"n": 1}')`);
  await within('the other client\'s BEGIN', begun, 15_000);
  await waitFor('the watcher\'s next wait to queue in PgBouncer', async () => (await clientsWaiting()) >= 1);
  t.equal(await waiting(), 0, 'the watcher\'s wait is queued in the pooler, not running');
  const closed = watcher.close();
  await sleep(300);
  await other.query('COMMIT'); // the server connection is free: the queued wait starts
  await within('close() to resolve', closed, 15_000);
  await waitFor('the server to stop running the watcher\'s wait', async () => (await waiting()) === 0, { timeoutMs: 10_000 })
    .catch(async (err) => t.fail(`${(err as Error).message}; PgBouncer's log:\n${await cancelLines(pgb)}`));
  t.equal(await waiting(), 0, 'no await_log_end() left running on the server after close()');
});
