// make test / npm test: ONE throwaway PostgreSQL for the whole run (or DATABASE_URL), then tap
// over test/**/*.test.ts, serially: an open transaction anywhere in the cluster holds back event
// delivery for every database, so test files running side by side would disturb each other.
// Extra arguments are passed to tap (e.g. a single test file).
//
// The whole suite runs in two lanes at once (docs/testing.md, "Two lanes"): the files in
// `SIDE_LANE` never use the run's cluster (each starts the clusters it needs, or none), so a
// second tap process runs them, one after another, beside the serial one; their output follows
// the serial lane's, and one summary line counts both. PG_EVENTLOG_TEST_LANES=1: one lane.
import { spawn } from 'node:child_process';
import { glob, path } from 'zx';
import { provideCluster, repoRoot } from './lib/database.ts';
import { script } from './lib/script.ts';

/**
 * Test files that never touch the run's cluster: each starts every PostgreSQL it uses (or none, as
 * the type check). DATABASE_URL and PG* are taken out of their environment, so one that did use
 * `freshDatabase` would get a throwaway cluster of its own, never the shared one.
 */
export const SIDE_LANE = [
  'test/partitions/pg-upgrade-keeps-the-partitioned-log.test.ts',
  'test/log/pg-upgrade-keeps-order.test.ts',
  'test/log/pg-upgrade-keeps-the-insert-path-in-order.test.ts',
  'test/packaging/convergence.test.ts',
  'test/packaging/extension-dump-restore.test.ts',
  'test/packaging/create-extension.test.ts',
  'test/packaging/frozen-migrations.test.ts',
  'test/reliability/crash-under-load.test.ts',
  'test/reliability/crash-with-partitions-and-push.test.ts',
  'test/serve/on-a-hot-standby.test.ts',
  'test/log/standby-reads-in-order.test.ts',
  'test/partitions/standby-reads-the-partitioned-log.test.ts',
  'test/clients/peek-on-a-hot-standby-records-nothing.test.ts',
  'test/push/wake-on-a-hot-standby.test.ts',
  'test/push/subscribe-survives-a-restart.test.ts',
  'test/log/restart-rewrites-the-clock.test.ts',
  'test/harness/dev-database-port.test.ts',
  'test/harness/typecheck.test.ts',
];

interface Lane {
  code: number;
  /** The `# { total: …, pass: …, … }` line tap's TAP reporter ends with, as numbers. */
  summary?: Record<string, number>;
}

/** The side lane's output sink: its stderr is kept with its stdout, in order. */
let keepAll: ((chunk: Buffer) => void) | undefined;

const summaryLine = /^# \{ (total: \d+[^}]*) \}$/m;
const parseSummary = (text: string): Record<string, number> | undefined => {
  const m = [...text.matchAll(new RegExp(summaryLine.source, 'gm'))].at(-1);
  if (!m) return undefined;
  return Object.fromEntries(m[1].split(', ').map((kv) => kv.split(': ')).map(([k, v]) => [k, Number(v)]));
};

/**
 * Runs tap; its output goes to `out` as it comes (serial lane) or is kept (side lane), and its
 * summary is parsed. With `out` undefined, tap writes to our terminal itself (its own reporter).
 */
function tap(args: string[], env: NodeJS.ProcessEnv, out?: (chunk: Buffer) => void): Promise<Lane> {
  return new Promise((resolve, reject) => {
    const bin = path.join(repoRoot, 'node_modules', '.bin', 'tap');
    const child = spawn(bin, args, { cwd: repoRoot, env, stdio: out ? ['inherit', 'pipe', 'pipe'] : 'inherit' });
    if (!out) {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? 1 }));
      return;
    }
    let tail = '';
    const take = (chunk: Buffer) => {
      out(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', (chunk: Buffer) => (out === keepAll ? out(chunk) : process.stderr.write(chunk)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, summary: parseSummary(tail) }));
  });
}

await script('test', async () => {
  const args = process.argv.slice(2);
  const whole = !args.some((a) => !a.startsWith('-'));
  const files = whole ? (await glob('test/**/*.test.ts', { cwd: repoRoot })).sort() : [];
  const log = (m: string) => console.error(`# ${m}`);

  const cluster = await provideCluster({ log });
  log(`database: ${cluster.kind} ${cluster.url}`);
  try {
    // On a cluster of our own, `freshDatabase(t, { install: true })` copies one installed template
    // database instead of running the migrations again (test/lib/db.ts); never on DATABASE_URL's.
    const templates = process.env.PG_EVENTLOG_TEST_TEMPLATES ?? (cluster.kind === 'url' ? '0' : '1');
    // The test processes load their TypeScript with tsx, not ts-node (test/lib/tap-tsx.mjs says
    // why); PG_EVENTLOG_TEST_TSX=0 keeps tap's own loader.
    const nodeOptions = process.env.PG_EVENTLOG_TEST_TSX === '0'
      ? process.env.NODE_OPTIONS
      : `${process.env.NODE_OPTIONS ?? ''} --import=${path.join(repoRoot, 'test', 'lib', 'tap-tsx.mjs')}`.trim();
    const common = { PG_EVENTLOG_TEST_TEMPLATES: templates, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) };
    const env = { ...process.env, ...cluster.env, ...common };
    const lanes = whole && process.env.PG_EVENTLOG_TEST_LANES !== '1';
    const side = lanes ? SIDE_LANE.filter((f) => files.includes(f)) : [];
    const serial = files.filter((f) => !side.includes(f));

    let sideLane: Promise<Lane> | undefined;
    const sideOutput: Buffer[] = [];
    if (side.length) {
      const sideEnv: NodeJS.ProcessEnv = { ...process.env, ...common, TAP_REPORTER: 'tap' };
      for (const k of Object.keys(sideEnv)) if (k === 'DATABASE_URL' || /^PG[A-Z]+$/.test(k)) delete sideEnv[k];
      log(`${side.length} files with clusters of their own run beside the other ${serial.length}; their output follows`);
      keepAll = (chunk) => void sideOutput.push(chunk);
      sideLane = tap(['--jobs=1', ...args, ...side], sideEnv, keepAll);
    }
    // On a terminal (and alone) tap picks its reporter itself; else its TAP passes through us.
    const through = sideLane && !process.stdout.isTTY ? (chunk: Buffer) => void process.stdout.write(chunk) : undefined;
    const main = await tap(['--jobs=1', ...args, ...serial], env, through);
    if (!sideLane) return main.code;

    const other = await sideLane;
    process.stdout.write(`# The files with clusters of their own (run beside the ones above):\n`);
    process.stdout.write(Buffer.concat(sideOutput));
    if (main.summary && other.summary) {
      const total: Record<string, number> = { ...main.summary };
      for (const [k, v] of Object.entries(other.summary)) if (k !== 'time') total[k] = (total[k] ?? 0) + v;
      delete total.time;
      process.stdout.write(`# both lanes: ${serial.length + side.length} files\n# { ${Object.entries(total).map(([k, v]) => `${k}: ${v}`).join(', ')} }\n`);
    }
    return main.code !== 0 ? main.code : other.code;
  } finally {
    await cluster.stop();
  }
});
