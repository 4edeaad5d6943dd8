// Installers started at the same moment, on separate connections, leave one correct install.
// Run one after the other they would give the same result, so each test first holds the install
// lock itself and waits until every installer is queued on it: then they are all in flight at
// once, and releasing the lock lets them race.
import t from 'tap';
import type pg from 'pg';
import { install, INSTALL_LOCK_KEY, status } from '../../src/install/index.ts';
import { freshDatabase } from '../lib/db.ts';
import { waitFor, within } from '../lib/wait.ts';

/** Backends of this database waiting (not granted) for the installers' advisory lock. */
async function waitingForInstallLock(client: pg.Client): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>(
    `SELECT l.pid
     FROM pg_catalog.pg_locks AS l
     JOIN pg_catalog.pg_database AS d ON d.oid = l.database
     WHERE d.datname = pg_catalog.current_database()
       AND l.locktype = 'advisory' AND NOT l.granted AND l.objsubid = 1
       AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint
     ORDER BY l.pid`, [INSTALL_LOCK_KEY]);
  return rows.map((r) => r.pid);
}

/** Takes the install lock on a connection of its own; returns a function that releases it. */
async function holdInstallLock(gate: pg.Client): Promise<() => Promise<unknown>> {
  await gate.query('SELECT pg_catalog.pg_advisory_lock($1::bigint)', [INSTALL_LOCK_KEY]);
  return () => gate.query('SELECT pg_catalog.pg_advisory_unlock($1::bigint)', [INSTALL_LOCK_KEY]);
}

const backendPid = async (c: pg.Client) => (await c.query<{ pid: number }>('SELECT pg_catalog.pg_backend_pid() AS pid')).rows[0].pid;

t.test('two installers at once: one applies everything, the other nothing, no error', async (t) => {
  const db = await freshDatabase(t);
  const gate = await db.connect();
  const [a, b] = await Promise.all([db.connect(), db.connect()]);
  const pids = [await backendPid(a), await backendPid(b)].sort((x, y) => x - y);

  const release = await holdInstallLock(gate);
  const installing = Promise.all([install({ client: a }), install({ client: b })]);
  installing.catch(() => {}); // awaited below; a failure must not go unhandled meanwhile
  const queued = await waitFor('both installers to wait on the install lock',
    async () => { const w = await waitingForInstallLock(gate); return pids.every((p) => w.includes(p)) && w; });
  t.same(queued, pids, 'both installers are in flight at once, each waiting on the install lock');
  await release();
  const results = await within('both installers to finish', installing, 120_000);

  const counts = results.map((r) => r.applied.length).sort((x, y) => x - y);
  const total = (await status({ databaseUrl: db.url })).applied.length;
  t.ok(total >= 3, 'at least the first three migrations exist');
  t.same(counts, [0, total], 'one installer applied every migration, the other none');

  const rows = await db.query<{ id: number; n: string }>('SELECT id, count(*)::text AS n FROM eventlog.migrations GROUP BY id ORDER BY id');
  t.same(rows.map((r) => r.id), [...Array(total + 1).keys()], 'each migration recorded once, ids 0..N');
  t.ok(rows.every((r) => r.n === '1'), 'no duplicate rows');
  const [v] = await db.query<{ v: string }>('SELECT eventlog.version() AS v');
  t.match(v.v, /^\d+\.\d+\.\d+/, 'version() answers');
});

t.test('five installers at once through the CLI library, each on its own connection', async (t) => {
  const db = await freshDatabase(t);
  const gate = await db.connect();
  const release = await holdInstallLock(gate);
  const installing = Promise.all(Array.from({ length: 5 }, () => install({ databaseUrl: db.url })));
  installing.catch(() => {});
  const queued = await waitFor('five installers to wait on the install lock',
    async () => { const w = await waitingForInstallLock(gate); return w.length >= 5 && w; });
  t.equal(queued.length, 5, 'all five are in flight at once, each waiting on the install lock');
  await release();
  const results = await within('the five installers to finish', installing, 120_000);

  const applied = results.map((r) => r.applied.length);
  t.equal(applied.filter((n) => n > 0).length, 1, 'exactly one of them applied migrations');
  t.same(results.map((r) => r.version), Array(5).fill(results[0].version), 'all report the same version');
  const [{ n }] = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_catalog.pg_namespace WHERE nspname = $1', ['eventlog']);
  t.equal(n, '1', 'one schema');
});
