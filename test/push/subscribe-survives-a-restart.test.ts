// A database restart (pg_ctl restart -m fast) in the middle of a stream of appends: every
// subscriber reconnects with backoff and nothing is lost. A position subscriber gets every event
// exactly once, in log order; an in-transaction client's work has every event exactly once; an
// at-least-once client has every event (a batch whose ack the restart cut off may come twice).
// The subscribers poll only once a minute, so the events after the restart reach them through the
// watcher and the shared listener, which must have reconnected too. Runs in a throwaway cluster
// of its own, since it restarts the server.
import t from 'tap';
import pg from 'pg';
import { createDatabase, provideCluster } from '../../scripts/lib/database.ts';
import { install } from '../../src/install/index.ts';
import { isConnectionError, subscribe, Wakeups, WakeWatcher, type SubscribeOptions } from '../../src/index.ts';
import { loginRole } from '../lib/login.ts';
import { restartCluster } from '../lib/restart.ts';
import { sleep, waitFor } from '../lib/wait.ts';

const EVENTS = 150;
const RESTART_AT = 60;

t.test('across a database restart every subscriber reconnects and nothing is lost', async (t) => {
  const cluster = await provideCluster({ provider: 'local' });
  t.teardown(() => cluster.stop());
  const url = await createDatabase(cluster.url);
  await install({ databaseUrl: url });
  const reader = await loginRole(t, url, ['eventlog_reader']);
  const su = async () => {
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => {});
    await c.connect();
    return c;
  };
  const setup = await su();
  await setup.query('CREATE TABLE public.projected (n int PRIMARY KEY)');
  await setup.query('GRANT INSERT ON public.projected TO ' + reader.name);
  await setup.end();

  const errors = { watcher: 0, listener: 0, position: 0, atLeastOnce: 0, inTransaction: 0 };
  const watcher = new WakeWatcher({ connectionString: reader.url, onError: () => errors.watcher++ });
  await watcher.start();
  const wakeups = new Wakeups({ connectionString: reader.url, onError: () => errors.listener++ });
  await wakeups.start();
  const ac = new AbortController();
  t.teardown(async () => {
    ac.abort();
    await wakeups.close();
    await watcher.close();
  });

  const common = { connectionString: reader.url, wakeups, pollIntervalMs: 60_000, batchSize: 7, signal: ac.signal, reconnectMaxMs: 500 } satisfies SubscribeOptions;
  const received = { position: [] as number[], atLeastOnce: [] as number[] };
  const follow = async (options: SubscribeOptions, sink: (n: number[], tx?: pg.Client) => Promise<void>) => {
    for await (const b of subscribe(options)) await sink(b.events.map((e) => (e.payload as { n: number }).n), b.transaction);
  };
  const loops = Promise.all([
    follow({ ...common, from: '0', onError: () => errors.position++ }, async (ns) => void received.position.push(...ns)),
    follow({ ...common, client: 'mailer', onError: () => errors.atLeastOnce++ }, async (ns) => void received.atLeastOnce.push(...ns)),
    follow({ ...common, client: 'projector', delivery: 'in-transaction', onError: () => errors.inTransaction++ }, async (ns, tx) => {
      try {
        for (const n of ns) await tx!.query('INSERT INTO public.projected VALUES ($1)', [n]);
      } catch (err) {
        // The restart killed the batch's transaction under our work: carry on, and the
        // subscriber's COMMIT fails too, so it reconnects and delivers the batch again.
        if (!isConnectionError(err)) throw err;
      }
    }),
  ]);

  // One writer, one event per transaction, reconnecting as an application would.
  let writer: pg.Client | undefined;
  let restart: Promise<void> | undefined;
  let writeFailures = 0;
  const startTime = Date.now();
  for (let n = 1; n <= EVENTS; n++) {
    if (n === RESTART_AT) restart = restartCluster(cluster.url);
    for (;;) {
      try {
        writer ??= await su();
        await writer.query('INSERT INTO eventlog.events (payload) VALUES ($1)', [{ n }]);
        break;
      } catch {
        writeFailures++;
        await writer?.end().catch(() => {});
        writer = undefined;
        // A commit whose reply was lost may have happened: look before writing it again.
        try {
          writer = await su();
          if ((await writer.query(`SELECT 1 FROM eventlog.events WHERE payload = $1`, [{ n }])).rowCount) break;
        } catch { /* still down */ }
        if (Date.now() - startTime > 60_000) throw new Error('the writer could not write for a minute');
        await sleep(50);
      }
    }
    await sleep(5);
  }
  await restart;
  await writer?.end();

  const check = await su();
  t.teardown(() => check.end());
  const log = (await check.query<{ n: number }>(`SELECT (payload->>'n')::int AS n FROM eventlog.events ORDER BY tx_order, etag`)).rows.map((r) => r.n);
  t.equal(log.length, EVENTS, `the log has all ${EVENTS} events (the writer retried ${writeFailures} times across the restart)`);
  const projected = async () => (await check.query<{ n: number }>('SELECT n FROM public.projected ORDER BY n')).rows.map((r) => r.n);
  await waitFor('every subscriber to reach the end of the log', async () =>
    received.position.length >= EVENTS && new Set(received.atLeastOnce).size >= EVENTS && (await projected()).length >= EVENTS, { timeoutMs: 30_000 });

  t.same(received.position, log, 'the position subscriber got every event exactly once, in log order');
  t.same(await projected(), [...log].sort((a, b) => a - b), 'the in-transaction client projected every event exactly once');
  t.same([...new Set(received.atLeastOnce)], log, `the at-least-once client got every event, in log order (${received.atLeastOnce.length - EVENTS} again after the restart)`);
  t.ok(errors.position > 0 && errors.atLeastOnce > 0 && errors.inTransaction > 0 && errors.watcher > 0 && errors.listener > 0,
    `the restart cut every connection off and each reconnected (errors seen: ${JSON.stringify(errors)})`);
  ac.abort();
  await loops;
});
