// `pg-eventlog serve` shuts down gracefully on SIGTERM: open streams end (so browsers reconnect
// to another instance), every database connection closes, and the process exits 0.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { freshDatabase, repoRoot } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { waitFor, within } from '../lib/wait.ts';
import { openSse } from './sse-client.ts';

t.test('SIGTERM: streams end, connections close, exit 0', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  const bin = fileURLToPath(new URL('../../bin/pg-eventlog.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--wakeups', 'watch'], { cwd: repoRoot, env: reader.env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = (await waitFor('serve to print its address', () => /listening on (http:\/\/\S+)/.exec(stdout)?.[1]))!;

  const s = await openSse(`${url}/events`, {}, t);
  await db.query(`SELECT eventlog.log_event('{"n": 1}')`);
  await s.waitFor(1);
  const connections = async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE usename = $1`, [reader.name]))[0]!.n);
  t.ok(await connections() >= 2, 'while it runs, serve holds database connections');

  child.kill('SIGTERM');
  await within('the open stream to end', s.ended, 10_000);
  t.ok(s.comments.includes('the server is shutting down; reconnect'), 'the stream is told why it ends');
  t.equal(await within('serve to exit', exited, 15_000), 0, `serve exits 0 on SIGTERM\n${stderr}`);
  t.match(stdout, /pg-eventlog serve: stopped\n$/, 'and says it stopped');
  await waitFor('its database connections to close', async () => (await connections()) === 0, { timeoutMs: 10_000 });
});
