// A waiting wake-up watcher must not stand in the way of partition maintenance (issue 12, issue
// 13). ensure_partitions() attaches each new range with ALTER TABLE ... ATTACH PARTITION, which
// takes ACCESS EXCLUSIVE on the default partition. The watcher used to wait in the function
// wait_for_log_end(), whose first log_end() probe took ACCESS SHARE on the log and every
// partition and kept it until the call ended (up to waitMs, a minute here): the ATTACH waited for
// it, and every reader that came after the ATTACH queued behind it meanwhile. Now the watcher
// CALLs the procedure await_log_end(), which commits after every check.
//
// Shown with real connections and from the catalog, not by the clock: the watcher's backend holds
// no lock on the log's tables while it waits (sampled from pg_locks), and an ensure_partitions()
// beside it creates its ranges without ever being blocked (pg_blocking_pids() of its backend,
// sampled while it runs). With the old function both fail: the locks are there, and the ATTACH
// is blocked by the watcher (until its lock_timeout, 5 s, makes it give up on the range). The
// second test shows what the old function (still released API) does to readers.
import t from 'tap';
import type pg from 'pg';
import { WakeWatcher } from '../../src/index.ts';
import { freshDatabase, type TestDatabase } from '../lib/db.ts';
import { sleep, waitFor, within } from '../lib/wait.ts';

const pidOf = async (c: pg.Client) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;

/** Relation locks `pid` holds on eventlog.events or one of its partitions. */
const logLocks = async (db: TestDatabase, pid: number) =>
  (await db.query<{ rel: string; mode: string }>(
    `SELECT l.relation::regclass::text AS rel, l.mode FROM pg_locks AS l
     WHERE l.pid = $1 AND l.locktype = 'relation' AND l.granted
       AND (l.relation = 'eventlog.events'::regclass
            OR l.relation IN (SELECT i.inhrelid FROM pg_inherits AS i WHERE i.inhparent = 'eventlog.events'::regclass))
     ORDER BY 1, 2`, [pid])).map((r) => `${r.rel} ${r.mode}`);

const blockers = async (db: TestDatabase, pid: number) =>
  (await db.query<{ b: number[] }>('SELECT pg_blocking_pids($1) AS b', [pid]))[0].b;

const partitions = async (db: TestDatabase) =>
  (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'eventlog.events'::regclass`))[0].n;

t.test('a waiting watcher holds no lock on the log, and ensure_partitions() attaches beside it without waiting', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const watcher = new WakeWatcher({ connectionString: db.url, notify: false, waitMs: 60_000 });
  t.teardown(() => watcher.close());
  await watcher.start();
  // An advance, so the wait now running began with a probe of the log (and, as a function, would
  // hold that probe's locks for the rest of its minute).
  const advanced = new Promise((resolve) => watcher.once('advance', resolve));
  await db.query(`SELECT eventlog.log_event('{"n": 1}')`);
  await within('the watcher to see the event', advanced, 10_000);
  const pid = (await waitFor('the watcher waiting on the server', async () =>
    (await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pg-eventlog wake' AND state = 'active'`))[0]?.pid))!;

  const held = new Set<string>();
  for (let i = 0; i < 20; i++) {
    for (const l of await logLocks(db, pid)) held.add(l);
    await sleep(20);
  }
  t.same([...held], [], 'while it waits, the watcher holds no lock on eventlog.events or any partition (20 samples)');

  const maint = await db.connect();
  const maintPid = await pidOf(maint);
  // Bounded: an ATTACH that cannot get its lock gives up on the range after 5 s (a NOTICE).
  await maint.query(`SET lock_timeout = '5s'`);
  const before = await partitions(db);
  let done = false;
  const made = maint.query<{ partition_name: string }>('SELECT partition_name FROM eventlog.ensure_partitions(ahead => 4)')
    .finally(() => (done = true));
  const blockedBy = new Set<number>();
  while (!done) {
    for (const b of await blockers(db, maintPid)) blockedBy.add(b);
    await sleep(5);
  }
  const rows = (await within('ensure_partitions() to finish', made, 60_000)).rows;
  t.same(rows.map((r) => r.partition_name), ['events_0000000000030000000', 'events_0000000000040000000'],
    'ensure_partitions() attached both new ranges while the watcher waited');
  t.equal(await partitions(db), before + 2, 'and they are partitions of the log');
  t.same([...blockedBy], [], 'its ATTACHes were never blocked, by the watcher or anyone (pg_blocking_pids while it ran)');
});

t.test('the old function wait_for_log_end() holds its locks for the call, and a pending ATTACH queues readers behind it', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const end = (await db.query<{ e: string }>('SELECT eventlog.log_end()::text AS e'))[0].e;
  const waiter = await db.connect();
  const waiterPid = await pidOf(waiter);
  const waiting = waiter.query(`SELECT eventlog.wait_for_log_end($1::bigint, 5000)`, [end]);
  await waitFor('the old function to hold its lock on the default partition', async () =>
    (await logLocks(db, waiterPid)).includes('eventlog.events_default AccessShareLock'));

  const maint = await db.connect();
  const maintPid = await pidOf(maint);
  await maint.query(`SET lock_timeout = '20s'`);
  const made = maint.query<{ partition_name: string }>('SELECT partition_name FROM eventlog.ensure_partitions(ahead => 4)');
  await waitFor('ensure_partitions() to be blocked by the waiting function', async () =>
    (await blockers(db, maintPid)).includes(waiterPid), { timeoutMs: 4_000 });

  // Readers that come after the pending ATTACH wait for it, and so for the waiting function.
  const reader = await db.connect();
  const readerPid = await pidOf(reader);
  await reader.query(`SET statement_timeout = '20s'`);
  const read = reader.query<{ n: number }>(`SELECT count(*)::int AS n FROM eventlog.get_event(0, 10)`);
  await waitFor('get_event() to queue behind the pending ATTACH', async () =>
    (await blockers(db, readerPid)).includes(maintPid), { timeoutMs: 4_000 });
  t.same(await blockers(db, readerPid), [maintPid], 'a get_event() reader waits behind the ATTACH, which waits for the old function');

  await within('the old function to return', waiting, 20_000);
  t.same((await within('ensure_partitions()', made, 20_000)).rows.map((r) => r.partition_name),
    ['events_0000000000030000000', 'events_0000000000040000000'], 'once the call ended, the ATTACHes went through');
  t.equal((await within('the reader', read, 20_000)).rows[0].n, 0, 'and the reader got its (empty) answer');
});

t.test('against an install without await_log_end() (before 0055) the watcher falls back to wait_for_log_end()', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query('DROP PROCEDURE eventlog.await_log_end(bigint, bigint, integer, integer, text)');
  const watcher = new WakeWatcher({ connectionString: db.url, notify: false, waitMs: 60_000 });
  t.teardown(() => watcher.close());
  await within('the watcher to start', watcher.start(), 20_000);
  const advanced = new Promise<{ etag: string }>((resolve) => watcher.once('advance', resolve));
  const [{ etag }] = await db.query<{ etag: string }>(`SELECT etag::text FROM eventlog.log_event('{"n": 1}')`);
  t.same(await within('the watcher to see the event', advanced, 10_000), { etag }, 'it announces the new end, waiting with the old function');
});
