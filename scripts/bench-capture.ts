// The change-capture part of make bench alone (scripts/lib/bench/capture.ts): pgbench UPDATEs of a
// random row of an untracked table, the same table tracked by track_table, and the advisory-lock
// design, alternating within each client count; optionally the compaction rows. For profiling
// the capture triggers without the 20 minutes of the whole bench: the ratios come from one run, on
// the same durable throwaway cluster (or DATABASE_URL's server) that make bench uses.
//
//   node --import tsx scripts/bench-capture.ts [--clients 8,32] [--duration 10] [--rounds 2]
//        [--capture-rows 100000] [--compact] [--compact-revisions 1000000]
import { Command } from 'commander';
import { benchDatabase, onInterrupt, type BenchDatabase } from './lib/bench/setup.ts';
import { CpuMeter } from './lib/bench/cpu.ts';
import { stopChildren } from './lib/bench/append.ts';
import { intList, positiveInt } from './lib/bench/options.ts';
import { fmtRate, fmtRatio, textTable, type Column } from './lib/bench/format.ts';
import { captureRows, measureCapture } from './lib/bench/capture.ts';
import type { Row } from './bench.ts';

const program = new Command('bench-capture')
  .description('The change-capture rows of make bench alone: UPDATEs of a tracked table against the untracked one and the advisory-lock design.')
  .option('--clients <list>', 'pgbench client counts', intList, [8, 32])
  .option('--duration <seconds>', 'seconds per cell, split over the rounds', positiveInt, 10)
  .option('--rounds <n>', 'runs per cell, alternating the order of the implementations', positiveInt, 2)
  .option('--capture-rows <n>', 'rows of each table', positiveInt, 100_000)
  .option('--compact', 'also measure compaction')
  .option('--compact-revisions <n>', 'superseded revisions for the compaction rows', positiveInt, 1_000_000)
  .option('--retries <n>', 'measure a cell again (up to n times) when other processes took 10% of the CPU or more', (v) => Math.max(0, Math.floor(Number(v))), 0);

const columns: Column<Row>[] = [
  { header: 'test', value: (r) => r.test },
  { header: 'implementation', value: (r) => r.implementation },
  { header: 'clients', value: (r) => String(r.clients), align: 'right' },
  { header: 'per s', value: (r) => fmtRate(r.eventsPerSecond), align: 'right' },
  { header: 'ratio', value: (r) => (r.baseline ? 'baseline' : fmtRatio(r.ratio)), align: 'right' },
  { header: 'note', value: (r) => r.note ?? '' },
];

const log = (m: string) => console.error(`# ${m}`);

async function main(argv: string[]): Promise<number> {
  program.parse(argv);
  const o = program.opts<{ clients: number[]; duration: number; rounds: number; captureRows: number; compact?: boolean; compactRevisions: number; retries: number }>();
  let db: BenchDatabase | undefined;
  const removeInterrupt = onInterrupt(stopChildren, () => db);
  try {
    db = await benchDatabase({ prefix: 'pgel_bench_capture', log });
    const meter = await CpuMeter.create(db.url, db.cluster.kind === 'local');
    const result = await measureCapture(db.cluster.url, {
      rows: o.captureRows, revisions: o.compactRevisions, clients: o.clients, duration: o.duration, rounds: o.rounds,
      meter, retries: o.retries, quiet: 0.1, log, skipCompact: !o.compact,
    });
    const busy = (share: number | null) => (share != null && share >= 0.1 ? `others used ${Math.round(share * 100)}% CPU` : '');
    console.log(textTable(captureRows(result, busy), columns));
    return 0;
  } finally {
    removeInterrupt();
    await db?.close();
  }
}

process.exitCode = await main(process.argv);
