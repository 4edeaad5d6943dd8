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
import { startPgBouncer, type PgBouncer } from '../lib/pgbouncer.ts';
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

async function setup(t: TestLike, poolSize = 2): Promise<{ db: TestDatabase; reader: LoginRole; pgb: PgBouncer; via: string }> {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  const { url } = await testCluster();
  const pgb = await startPgBouncer(t, url, { users: [reader.name], poolSize });
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

// Not here: that a closed watcher leaves no wait_for_log_end() running behind PgBouncer. The
// cancel request through the pooler reached the server in some runs and not in others (session 5);
// until that is understood the claim is not proven, and docs/push.md says so.

