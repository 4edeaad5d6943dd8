// make test-reliability: the reliability suite (test/reliability/) at the sizes of issue 16, which
// are too long for make test: many crash iterations, many generated calls per function, and the
// resource bounds at full size (10,000 events of 1 MB in one batch, a stream of 1,000,000 events,
// 10,000 clients). make test runs the same files at a small size. The records the files print
// (crash record, generated-input record, resource record) go into docs/reliability.md.
//
//   make test-reliability                                  everything, full size
//   make test-reliability ARGS="--iterations 4 --runs 50 --bounds smoke"
//   make test-reliability ARGS="--only crash-with-partitions --partition-iterations 8"
import { Command, Option } from 'commander';
import { $, glob, path } from 'zx';
import { positiveInt } from './lib/bench/options.ts';
import { provideCluster, repoRoot } from './lib/database.ts';
import { script } from './lib/script.ts';

const program = new Command('test-reliability')
  .description('The reliability suite at full size: crash iterations, generated calls, resource bounds.')
  .option('--iterations <n>', 'crash iterations (kill points), alternating pg_ctl stop -m immediate and SIGKILL', positiveInt, 20)
  .option('--load-ms <n>', 'milliseconds of load before a kill, varied per iteration', positiveInt, 2000)
  .option('--partition-iterations <n>', 'iterations of crash-with-partitions-and-push (default: --iterations)', positiveInt)
  .option('--ahead <n>', 'partitions crash-with-partitions-and-push keeps ahead (ensure_partitions(ahead))', positiveInt, 25)
  .option('--runs <n>', 'generated calls per function', positiveInt, 200)
  .option('--seed <n>', 'fast-check seed (default: random, printed in the record)', positiveInt)
  .addOption(new Option('--bounds <size>', 'resource-bound sizes').choices(['smoke', 'full']).default('full'))
  .option('--only <names...>', 'only these files of test/reliability/ (e.g. crash-under-load)');

await script('test-reliability', async () => {
  const opts = program.parse().opts<{ iterations: number; loadMs: number; partitionIterations?: number; ahead: number; runs: number; seed?: number; bounds: string; only?: string[] }>();
  let files = (await glob('test/reliability/*.test.ts', { cwd: repoRoot })).sort();
  if (opts.only) files = files.filter((f) => opts.only!.some((o) => path.basename(f).startsWith(o)));
  if (!files.length) throw new Error(`no file of test/reliability/ matches ${opts.only?.join(', ')}`);
  const log = (m: string) => console.error(`# ${m}`);
  const cluster = await provideCluster({ log });
  log(`database: ${cluster.kind} ${cluster.url}`);
  try {
    const env = {
      ...process.env,
      ...cluster.env,
      RELIABILITY_CRASH_ITERATIONS: String(opts.iterations),
      RELIABILITY_CRASH_LOAD_MS: String(opts.loadMs),
      RELIABILITY_PARTITION_CRASH_ITERATIONS: String(opts.partitionIterations ?? opts.iterations),
      RELIABILITY_PARTITION_AHEAD: String(opts.ahead),
      RELIABILITY_FUZZ_RUNS: String(opts.runs),
      RELIABILITY_FUZZ_SEED: opts.seed ? String(opts.seed) : 'random',
      RELIABILITY_BOUNDS: opts.bounds,
    };
    const tap = path.join(repoRoot, 'node_modules', '.bin', 'tap');
    const r = await $({ cwd: repoRoot, stdio: 'inherit', nothrow: true, env })`${tap} --jobs=1 --timeout=7200 ${files}`;
    return r.exitCode ?? 1;
  } finally {
    await cluster.stop();
  }
});
