// `pg-eventlog wake`, the watcher as a process: while it runs, a subscriber that polls once a
// minute gets a new event at once; SIGTERM (or Ctrl-C) stops it with exit code 0.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { subscribe, Wakeups, type Batch } from '../../src/index.ts';
import { freshDatabase, repoRoot } from '../lib/db.ts';
import { waitFor, within } from '../lib/wait.ts';

t.test('pg-eventlog wake wakes subscribers and stops on SIGTERM', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const child = spawn(process.execPath, [fileURLToPath(new URL('../../bin/pg-eventlog.js', import.meta.url)), 'wake'],
    { env: db.env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  await waitFor('the watcher to start', () => stderr.includes('notifying channel'), { timeoutMs: 30_000 });
  t.match(stderr, /^pg-eventlog wake: notifying channel eventlog_wake \(log end 0\)\n/, 'it says which channel it notifies');

  const wakeups = new Wakeups({ connectionString: db.url });
  t.teardown(() => wakeups.close());
  await wakeups.start();
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const it = subscribe({ connectionString: db.url, from: '0', wakeups, pollIntervalMs: 60_000, signal: ac.signal })[Symbol.asyncIterator]();
  const next = it.next();
  await waitFor('the subscriber to wait', async () => (await db.query(
    `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pg-eventlog subscribe' AND state = 'idle' AND query LIKE '%get_event%'`)).length === 1);
  await db.query(`SELECT eventlog.log_event('{"n": 1}')`);
  const got = (await within('the wake-up from the wake process', next, 10_000)).value as Batch;
  t.same(got.events.map((e) => e.payload), [{ n: 1 }], 'the subscriber is woken by the process');

  child.kill('SIGTERM');
  t.same(await within('wake to exit after SIGTERM', exited, 10_000), { code: 0, signal: null }, 'SIGTERM ends it with exit code 0');
  t.match(stderr, /pg-eventlog wake: stopped after \d+ notifications\n$/, 'and it says so');
});
