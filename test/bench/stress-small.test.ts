// CI smoke test of make stress: a small run finds nothing lost, and a tampered run fails.
import t from 'tap';
import { run, testCluster } from '../lib/db.ts';

// Run as `make stress` would, against the test run's cluster: the script makes (and drops) a scratch
// database of its own on DATABASE_URL's server.
const stress = async (args: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/stress.ts', ...args], { ...process.env, ...(await testCluster()).env });

t.test('stress 4 × 2000 with concurrent consumers loses nothing', async (t) => {
  const r = await stress(['--producers', '4', '--events', '2000', '--consumers', '2']);
  t.equal(r.code, 0, 'exits 0');
  if (r.code !== 0) t.comment(r.stdout.slice(-3000), r.stderr.slice(-2000));
  t.match(r.stdout, /lost 0, duplicated 0, out of order 0$/m);
  t.match(r.stdout, /checks over 2 consumer\(s\): count ok, checksum ok, lost 0, duplicated 0, out of order 0/);
  t.match(r.stdout, /log table: 8,000 events/);
  t.match(r.stdout, /^stress: OK$/m);
  t.match(r.stderr, /^progress \d+%/m, 'plain progress lines without a terminal');
  t.notMatch(r.stdout + r.stderr, /\r/, 'no bar redrawing without a terminal');
});

t.test('stress exits non-zero when a consumer lost, duplicated or reordered events', async (t) => {
  const r = await stress(['--producers', '2', '--events', '300', '--consumers', '1', '--inject-loss']);
  t.equal(r.code, 1, 'exits 1');
  t.match(r.stdout, /lost 1, duplicated 1, out of order [1-9]/);
  t.match(r.stdout, /^stress: FAILED/m);
});
