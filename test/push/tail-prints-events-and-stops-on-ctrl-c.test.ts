// `pg-eventlog tail`: one line per event (or one JSON object per line with --json), filtered by
// --stream/--type, following new events as they commit, and Ctrl-C (SIGINT) ends it cleanly:
// exit code 0, a closing line on stderr, and (for --client) the printed events acknowledged.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { freshDatabase, repoRoot, type TestDatabase } from '../lib/db.ts';
import { waitFor, within } from '../lib/wait.ts';

const bin = fileURLToPath(new URL('../../bin/pg-eventlog.js', import.meta.url));

function startTail(db: TestDatabase, args: string[]) {
  const child = spawn(process.execPath, [bin, 'tail', ...args], { env: db.env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const lines = () => out.stdout.split('\n').filter(Boolean);
  return { child, out, exited, lines };
}

t.test('tail prints matching events as they commit and exits 0 on Ctrl-C', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.log_event('{"n": 1}', 'paid', 'order-1'), eventlog.log_event('{"n": 2}', 'shipped', 'order-1'),
                         eventlog.log_event('{"n": 3}', 'paid', 'user-1')`);
  const tail = startTail(db, ['--from', '0', '--stream', 'order-1', '--type', 'paid', '--type', 'refunded', '--wakeups', 'watch']);
  t.teardown(() => tail.child.kill('SIGKILL'));
  await waitFor('the first line', () => tail.lines().length >= 1, { timeoutMs: 30_000 });
  await db.query(`SELECT eventlog.log_event('{"n": 4}', 'refunded', 'order-1', '{"by": "desk"}'), eventlog.log_event('{"n": 5}', 'refunded', 'order-2')`);
  await waitFor('the new event\'s line', () => tail.lines().length >= 2, { timeoutMs: 10_000 });
  const [{ e1, e4 }] = await db.query<{ e1: string; e4: string }>(
    `SELECT (SELECT etag::text FROM eventlog.events WHERE payload = '{"n": 1}') AS e1, (SELECT etag::text FROM eventlog.events WHERE payload = '{"n": 4}') AS e4`);
  const line = /^(\d+)  (\d{4}-\d\d-\d\dT[\d:.]+Z)  (\S+)  (\S+)  (.*)$/;
  t.match(tail.lines()[0], line, 'a line is: etag, time, type, stream@version, payload');
  t.same(tail.lines().map((l) => l.replace(line, '$1 $3 $4 $5')), [`${e1} paid order-1@1 {"n":1}`, `${e4} refunded order-1@3 {"n":4} {"by":"desk"}`],
    'only the events of stream order-1 with the types asked for, the old one and the new one (metadata after the payload)');

  tail.child.kill('SIGINT');
  const { code, signal } = await within('tail to exit after Ctrl-C', tail.exited, 10_000);
  t.same({ code, signal }, { code: 0, signal: null }, 'Ctrl-C ends it with exit code 0');
  t.match(tail.out.stderr, /pg-eventlog tail: stopped after 2 events\n$/, 'and says how many events it printed');
});

t.test('tail --client --json prints JSON lines and acknowledges what it printed', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g), 'counted', 'c-' || g) FROM generate_series(1, 3) AS g`);
  const tail = startTail(db, ['--client', 'console', '--json', '--wakeups', 'none', '--poll-interval', '100']);
  t.teardown(() => tail.child.kill('SIGKILL'));
  await waitFor('three lines', () => tail.lines().length >= 3, { timeoutMs: 30_000 });
  const parsed = tail.lines().map((l) => JSON.parse(l));
  t.same(parsed.map((e) => [e.eventType, e.stream, e.version, e.payload]), [1, 2, 3].map((n) => ['counted', `c-${n}`, 1, { n }]), 'one JSON object per event');
  t.same(Object.keys(parsed[0]).sort(), ['ctime', 'etag', 'eventType', 'metadata', 'payload', 'stream', 'txOrder', 'version'], 'with every field');
  // The batch is acknowledged when the loop asks for the next one, i.e. right after printing.
  await waitFor('the printed batch to be acknowledged', async () =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM eventlog.peek_event('console', 10)`))[0].n === 0, { timeoutMs: 10_000 });
  tail.child.kill('SIGINT');
  t.same(await within('tail to exit after Ctrl-C', tail.exited, 10_000), { code: 0, signal: null }, 'Ctrl-C ends it with exit code 0');
  t.equal(parsed[2].etag, (await db.query<{ e: string }>(`SELECT etag::text AS e FROM eventlog.client_cursors WHERE client = 'console'`))[0].e,
    'the client\'s cursor is at the last event printed');
});

t.test('tail refuses a bad start at once', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const both = startTail(db, ['--client', 'x', '--from', '0']);
  t.equal((await within('tail to refuse --client with --from', both.exited, 30_000)).code, 1, '--client and --from together: exit 1');
  t.match(both.out.stderr, /cannot be used with option '--from/, 'commander names the conflict');
  const bad = startTail(db, ['--from', 'yesterday']);
  t.equal((await within('tail to refuse a bad etag', bad.exited, 30_000)).code, 1, 'a bad etag: exit 1');
  t.match(bad.out.stderr, /^pg-eventlog: error: from must be an etag \(a non-negative integer\), got "yesterday"\n$/, 'one line naming the value');
});
