// CI smoke test of make bench: a tiny quick run completes and prints every implementation with its
// ratio to the plain baseline — pg-eventlog's INSERT, COPY and log_event paths and the peers
// (Message DB, PgQ, the advisory lock) measured, not n/a — and writes the same as JSON and Markdown.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { run, testCluster } from '../lib/db.ts';

// Run as `make bench` would, against the test run's cluster: the script makes (and drops) a scratch
// database of its own on DATABASE_URL's server.
const bench = async (args: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', ...args], { ...process.env, ...(await testCluster()).env });

const rows0 = (out: string) => out.split('\n');

interface JsonRow { test: string; implementation: string; clients: number; size: number; baseline: boolean; ratio: number | null; eventsPerSecond: number | null; note?: string }

t.test('bench --quick with tiny sizes prints the whole table', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgel-bench-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const json = path.join(dir, 'bench.json');
  const markdown = path.join(dir, 'benchmarks.md');
  const r = await bench([
    '--quick', '--duration', '1', '--events', '2000', '--copy-events', '5000', '--read-seconds', '1', '--latency-seconds', '1',
    '--capture-rows', '2000', '--compact-revisions', '10000',
    '--stream-events', '2000', '--streams', '20', '--load-stream-seconds', '1',
    '--json', json, '--markdown', markdown,
  ]);
  t.equal(r.code, 0, 'exits 0');
  if (r.code !== 0) t.comment(r.stderr.slice(-2000));
  const out = r.stdout;
  t.match(out, /\bratio\b/, 'has a ratio column');
  t.match(out, /^partitioned log: events .*\n-+.*\n20,000\s+\d+\s+[\d,]+\s+\d/m, 'and the partitioned-log curve, measured');
  t.match(out, /^detach_partitions \(one partition\): [\d.]+ ms; reattach_partitions: [\d.]+ ms/m, 'with the time of detach_partitions');
  t.match(out, /events\/s/);
  const measured = [
    'plain INSERT', 'INSERT + (tx_order, etag) index', 'INSERT + index, partitioned like the log', 'pg-eventlog INSERT', 'pg-eventlog log_event', 'advisory lock to commit',
    'Message DB write_message', 'Message DB write_message, expected version', 'PgQ insert_event',
  ];
  for (const impl of [...measured, 'plain keyset scan', 'get_event(after, n)', "get_event('client', n)", 'follower', 'plain COPY', 'pg-eventlog COPY']) {
    t.ok(out.includes(impl), `the table names ${impl}`);
  }
  for (const clients of [1, 8, 32]) {
    t.match(out, new RegExp(`^append\\s+pg-eventlog log_event\\s+${clients}\\s+10\\s+[\\d,]+\\s+\\d+\\.\\d\\dx`, 'm'), `log_event at ${clients} clients × 10 events has a ratio`);
  }
  t.match(out, /^read\s+get_event\(after, n\)\s+1\s+1000\s+[\d,]+\s+\d+\.\d\dx/m, 'get_event(after, 1000) has a ratio');
  // The server CPU per call, which neighbours on a shared machine disturb less (the test cluster is local).
  t.equal(rows0(out).filter((line) => /^read\s/.test(line) && !/server CPU \d+ µs\/call/.test(line)).length, 0, 'every read row has the server CPU per call');
  t.match(out, /^copy\s+pg-eventlog COPY\s+1\s+5000\s+[\d,]+\s+\d+\.\d\dx/m, 'pg-eventlog COPY has a ratio to the plain COPY');
  t.match(out, /^peers:\s+Message DB \S+ \(npm @eventide\/message-db [\d.]+\), PgQ [\d.]+$/m, 'names the peers and their versions');
  t.match(out, /fsync=/, 'prints the settings');
  t.match(out, /^serve\s+serve → 50 SSE subscribers\s+8\s+50\s+[\d,]+\s+-?[\d.]+\s+-?[\d.]+\s+8 writers at 800\/s; delivered all \d+; server RSS peak [\d.]+ MiB/m,
    'the serve row: latency through pg-eventlog serve to 50 SSE subscribers (quick), every delivery made, the server\'s RSS');

  const report = JSON.parse(readFileSync(json, 'utf8'));
  const rows = report.rows as JsonRow[];
  const appends = rows.filter((row) => row.test === 'append');
  t.equal(appends.length, 10 * 3 * 2, '10 implementations × 3 client counts × 2 sizes, n/a ones included');
  const figures = (impl: string) => appends.filter((row) => row.implementation === impl);
  for (const impl of measured) {
    t.same(
      figures(impl).filter((row) => !(row.eventsPerSecond! > 0 && (row.baseline || row.ratio! > 0))).map((row) => `${row.clients}×${row.size}: ${row.note}`),
      [],
      `${impl}: every cell measured, with a ratio`,
    );
  }
  // append_to_stream comes with issue 10: until then n/a with the reason, never left out.
  t.ok(figures('pg-eventlog append_to_stream, expected version').every((row) => (row.eventsPerSecond! > 0 && row.ratio! > 0) || /^n\/a: \S/.test(row.note ?? '')),
    'append_to_stream is measured or n/a with a reason');
  const copies = rows.filter((row) => row.test === 'copy');
  t.same(copies.map((row) => [row.implementation, row.size, row.baseline]),
    [['plain COPY', 5000, true], ['COPY + (tx_order, etag) index', 5000, false], ['pg-eventlog COPY', 5000, false]]);
  t.ok(copies.every((row) => row.eventsPerSecond! > 0 && (row.baseline || row.ratio! > 0)), 'every COPY figure measured, with a ratio');
  // Change capture (issue 11): UPDATEs of a tracked table against the untracked one and the
  // advisory-lock design, at 8 and 32 clients; compaction alone, beside appenders, and its effect on them.
  const capture = rows.filter((row) => row.test === 'capture');
  t.same(capture.map((row) => [row.implementation, row.clients, row.baseline]), [8, 32].flatMap((clients) => [
    ['UPDATE, untracked table', clients, true],
    ['UPDATE, tracked table (track_table)', clients, false],
    ['UPDATE, advisory lock to commit + change-log insert', clients, false],
  ]), 'the capture rows: three implementations at 8 and 32 clients');
  t.ok(capture.every((row) => row.eventsPerSecond! > 0 && (row.baseline || row.ratio! > 0)), 'every capture figure measured, with a ratio');
  t.ok(capture.filter((row) => row.implementation === 'UPDATE, tracked table (track_table)').every((row) => /× the advisory-lock design/.test(row.note ?? '')),
    'the tracked rows name their ratio to the advisory-lock design');
  const compact = rows.filter((row) => row.test === 'compact');
  t.same(compact.map((row) => row.implementation),
    ['compact(), alone', 'compact(), beside 8 log_event clients', 'log_event, compaction idle', 'log_event, compaction running'], 'the compaction rows');
  t.ok(compact[0].eventsPerSecond! > 0 && /10,000 of 10,000 superseded revisions/.test(compact[0].note ?? ''), `compaction removed every superseded revision (${compact[0].note})`);
  t.ok(compact[3].eventsPerSecond! > 0 && compact[3].ratio! > 0, 'the appenders beside compaction have a ratio to the appenders alone');

  const loads = rows.filter((row) => row.test === 'load_stream') as (JsonRow & { p50Ms: number | null; p99Ms: number | null })[];
  t.equal(loads.length, 1, 'one load_stream row');
  t.ok(loads[0].p50Ms! > 0 && loads[0].p99Ms! >= loads[0].p50Ms!, 'load_stream has a p50 and a p99');
  t.match(loads[0].note, /^100-event streams, snapshot at 50, 51 rows per call; 2,000 events across 20 streams/, 'on 100-event streams with a snapshot, in the log asked for');
  t.match(out, /^load_stream\s+load_stream \(snapshot \+ events after it\)\s+1\s+100\s+n\/a\s+\s*\S+\s+[\d.]+\s+[\d.]+/m, 'the table prints its p50 and p99');
  t.equal(report.peers.pgq.reason, null, 'PgQ installed');
  t.equal(report.peers.messageDb.reason, null, 'Message DB installed');
  t.equal(report.machine.cores, os.cpus().length);
  // Push delivery (scripts/lib/bench/push.ts): latency through subscribe(), the INSERT-path ratio
  // with the watcher running (and, in the note, without), the idle watcher's CPU.
  const push = rows.filter((row) => row.test === 'push');
  const pushRow = (impl: string) => push.find((row) => row.implementation === impl) as (JsonRow & { p50Ms: number | null; p99Ms: number | null }) | undefined;
  const lat = pushRow('subscribe(), watcher wake-ups');
  t.ok(lat && lat.p50Ms! > 0 && lat.p99Ms! >= lat.p50Ms! && /read all \d+/.test(lat.note ?? ''), `push latency measured, nothing lost (${lat?.note})`);
  const withWatcher = pushRow('pg-eventlog INSERT, watcher running');
  t.ok(withWatcher && withWatcher.ratio! > 0 && /without watcher, same run: \d+\.\d\d×/.test(withWatcher.note ?? ''), `the append ratio with and without the watcher (${withWatcher?.note})`);
  t.match(withWatcher?.note ?? '', /the watcher's backend used (n\/a|[\d.]+%) of one core meanwhile \(the bench process, where the watcher and the listener run, [\d.]+%\), \d+ notifications\/s/,
    'and what the watcher and the listener used meanwhile');
  t.match(out, /^push\s+watcher on an idle log, checks every 10 ms\s.*CPU: server [\d.]+%, watcher process [\d.]+% of one core/m, 'the idle watcher\'s CPU');
  const md = readFileSync(markdown, 'utf8');
  t.match(md, /\| test \| implementation \| clients \|/);
  t.match(md, /\| peers \| Message DB /);
  t.match(md, /<!-- END GENERATED -->/);
});
