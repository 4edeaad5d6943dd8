// make bench --only and --appends: a change to one path can be measured before and after without
// the whole run. Only the parts asked for run and are printed; --appends runs the implementations
// named beside the plain INSERT baseline (always measured: every ratio is against it), and the
// peers are not installed when no peer row runs. Never how fast.
import t from 'tap';
import { run, testCluster } from '../lib/db.ts';

const bench = async (args: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', ...args], { ...process.env, ...(await testCluster()).env });
const tests = (out: string) => [...new Set(out.split('\n').map((line) => line.match(/^(append|copy|read|latency|capture|compact|load_stream|push|serve)\s/)?.[1]).filter(Boolean))];

t.test('--only read runs and prints the read rows only', async (t) => {
  const r = await bench(['--only', 'read', '--events', '2000', '--batches', '100', '--read-seconds', '1', '--retries', '0']);
  t.equal(r.code, 0, 'exits 0');
  if (r.code !== 0) t.comment(r.stderr.slice(-2000));
  t.same(tests(r.stdout), ['read'], 'only read rows');
  for (const impl of ['plain keyset scan', 'get_event(after, n)']) {
    t.match(r.stdout, new RegExp(`^read\\s+${impl.replace(/[()]/g, '\\$&')}\\s+1\\s+100\\s+[\\d,]+\\s`, 'm'), `${impl} measured`);
  }
  t.notMatch(r.stderr, /installing the peers/, 'the peers are not installed');
});

t.test('--only append --appends stream measures that row beside the plain INSERT', async (t) => {
  const r = await bench(['--only', 'append', '--appends', 'stream', '--clients', '1', '--events-per-tx', '1', '--duration', '1', '--rounds', '1', '--retries', '0']);
  t.equal(r.code, 0, 'exits 0');
  if (r.code !== 0) t.comment(r.stderr.slice(-2000));
  t.same(tests(r.stdout), ['append'], 'only append rows');
  const rows = r.stdout.split('\n').filter((line) => /^append\s/.test(line));
  t.same(rows.map((line) => line.split(/\s{2,}/)[1]), ['plain INSERT', 'pg-eventlog append_to_stream, expected version'], 'the baseline and the row asked for');
  t.match(rows[1], /\s\d+\.\d\dx(\s|$)/, 'with a ratio to the baseline');
});

t.test('--only and --appends refuse names they do not know', async (t) => {
  const only = await bench(['--only', 'reads']);
  t.not(only.code, 0, '--only reads fails');
  t.match(only.stderr, /parts are append, copy, read, .*; not reads/, 'and names the parts');
  const appends = await bench(['--appends', 'streams']);
  t.not(appends.code, 0, '--appends streams fails');
  t.match(appends.stderr, /implementations are plain, .*; not streams/, 'and names the implementations');
});
