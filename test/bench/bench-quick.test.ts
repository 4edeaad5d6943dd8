// CI smoke test of make bench: a tiny quick run completes and prints every implementation with its
// ratio to the plain baseline, and writes the same as JSON and Markdown.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { run, testCluster } from '../lib/db.ts';

// Run as `make bench` would, against the test run's cluster: the script makes (and drops) a scratch
// database of its own on DATABASE_URL's server.
const bench = async (args: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', ...args], { ...process.env, ...(await testCluster()).env });

t.test('bench --quick with tiny sizes prints the whole table', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgel-bench-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const json = path.join(dir, 'bench.json');
  const markdown = path.join(dir, 'benchmarks.md');
  const r = await bench([
    '--quick', '--duration', '1', '--events', '2000', '--read-seconds', '1', '--latency-seconds', '1',
    '--json', json, '--markdown', markdown,
  ]);
  t.equal(r.code, 0, 'exits 0');
  if (r.code !== 0) t.comment(r.stderr.slice(-2000));
  const out = r.stdout;
  t.match(out, /\bratio\b/, 'has a ratio column');
  t.match(out, /events\/s/);
  for (const impl of ['plain INSERT', 'INSERT + (tx_order, etag) index', 'pg-eventlog log_event', 'advisory lock to commit', 'plain keyset scan', 'get_event(after, n)', "get_event('client', n)", 'follower']) {
    t.ok(out.includes(impl), `the table names ${impl}`);
  }
  for (const clients of [1, 8, 32]) {
    t.match(out, new RegExp(`^append\\s+pg-eventlog log_event\\s+${clients}\\s+10\\s+[\\d,]+\\s+\\d+\\.\\d\\dx`, 'm'), `log_event at ${clients} clients × 10 events has a ratio`);
  }
  t.match(out, /^read\s+get_event\(after, n\)\s+1\s+1000\s+[\d,]+\s+\d+\.\d\dx/m, 'get_event(after, 1000) has a ratio');
  t.match(out, /fsync=/, 'prints the settings');

  const report = JSON.parse(readFileSync(json, 'utf8'));
  t.equal(report.rows.filter((r: { test: string }) => r.test === 'append').length, 24, '4 implementations × 3 client counts × 2 sizes');
  t.ok(report.rows.every((r: { test: string; baseline: boolean; ratio: number | null; eventsPerSecond: number | null }) =>
    r.test !== 'append' || r.baseline || (r.ratio! > 0 && r.eventsPerSecond! > 0)), 'every append figure has a ratio');
  t.equal(report.machine.cores, os.cpus().length);
  const md = readFileSync(markdown, 'utf8');
  t.match(md, /\| test \| implementation \| clients \|/);
  t.match(md, /<!-- END GENERATED -->/);
});
