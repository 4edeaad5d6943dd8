// Smoke test of scripts/bench-capture.ts (the capture rows of make bench alone): a tiny run prints
// the untracked, tracked and advisory-lock rows with their ratios, and the compaction rows with
// --compact. Never how fast.
import t from 'tap';
import { run, testCluster } from '../lib/db.ts';

t.test('bench-capture with tiny sizes prints the capture rows and, with --compact, the compaction rows', async (t) => {
  const r = await run(process.execPath, ['--import', 'tsx', 'scripts/bench-capture.ts', '--clients', '2', '--rounds', '1', '--duration', '1',
    '--capture-rows', '200', '--compact', '--compact-revisions', '400'],
    { ...process.env, ...(await testCluster()).env });
  t.equal(r.code, 0, 'exits 0');
  if (r.code !== 0) t.comment(r.stderr.slice(-2000));
  t.match(r.stdout, /^capture\s+UPDATE, untracked table\s+2\s+[\d,]+\s+baseline/m, 'the untracked table is the baseline');
  t.match(r.stdout, /^capture\s+UPDATE, tracked table \(track_table\)\s+2\s+[\d,]+\s+\d+\.\d\dx\s+[\d.]+× the advisory-lock design/m,
    'the tracked table: rate, ratio, and its ratio to the advisory-lock design');
  t.match(r.stdout, /^capture\s+UPDATE, advisory lock to commit \+ change-log insert\s+2\s+[\d,]+\s+\d+\.\d\dx/m, 'the advisory-lock design');
  t.match(r.stdout, /^compact\s+compact\(\), alone\s+1\s/m, 'the compaction rows');
});
