// make bench-partitions: the partitioned log's curve (scripts/lib/bench/partitions.ts): append
// rate at 32 clients, tail-read p50/p99, disk per million events at growing log sizes, and the
// time of ensure_partitions and detach_partitions. e.g. make bench-partitions ARGS="--sizes 1000000,10000000"
// --json FILE / --markdown FILE are rewritten after every size, so a run stopped before its
// largest size keeps the sizes it measured.
import path from 'node:path';
import { Command } from 'commander';
import { fs } from 'zx';
import { fmtMs, fmtRate, markdownTable, textTable, type Column } from './lib/bench/format.ts';
import { intList, positiveInt } from './lib/bench/options.ts';
import { measurePartitionCurve, type PartitionCurveRow } from './lib/bench/partitions.ts';
import { benchDatabase, describeMachine } from './lib/bench/setup.ts';
import { stopChildren } from './lib/bench/append.ts';

const o = new Command('bench-partitions')
  .option('--sizes <list>', 'log sizes to measure at (default 1000000,10000000)', intList, [1_000_000, 10_000_000])
  .option('--partition-size <n>', 'etags per partition (default 1000000)', positiveInt, 1_000_000)
  .option('--clients <n>', 'pgbench clients for the append rate (default 32)', positiveInt, 32)
  .option('--append-seconds <s>', 'seconds of pgbench per size (default 10)', positiveInt, 10)
  .option('--tail-reads <n>', 'tail reads per size (default 2000)', positiveInt, 2000)
  .option('--fill-connections <n>', 'sessions filling the log at once, through the append path (default 2)', positiveInt, 2)
  .option('--json <file>', 'also write the curve as JSON (rewritten after every size)')
  .option('--markdown <file>', 'also write the curve as a Markdown table (rewritten after every size)')
  .option('--as-provided', "keep the throwaway cluster's test settings (fsync off)")
  .parse()
  .opts<{ sizes: number[]; partitionSize: number; clients: number; appendSeconds: number; tailReads: number; fillConnections: number; json?: string; markdown?: string; asProvided?: boolean }>();

const columns: Column<PartitionCurveRow>[] = [
  { header: 'events', value: (r) => fmtRate(r.events), align: 'right' },
  { header: 'partitions', value: (r) => String(r.partitions), align: 'right' },
  { header: `log_event ${o.clients} clients, ev/s`, value: (r) => fmtRate(r.appendPerSecond), align: 'right' },
  { header: 'tail read p50 ms', value: (r) => fmtMs(r.tailP50Ms), align: 'right' },
  { header: 'tail read p99 ms', value: (r) => fmtMs(r.tailP99Ms), align: 'right' },
  { header: 'MB per 1M events', value: (r) => (r.bytesPerMillion / 1e6).toFixed(0), align: 'right' },
  { header: 'tail read buffers', value: (r) => String(r.tailBuffers), align: 'right' },
  { header: 'client read buffers', value: (r) => String(r.clientBuffers), align: 'right' },
  { header: 'client read ms', value: (r) => fmtMs(r.clientReadMs), align: 'right' },
  { header: 'ensure_partitions ms (fill / at rest)', value: (r) => `${fmtMs(r.ensureMs)} / ${fmtMs(r.ensureIdleMs)}`, align: 'right' },
  { header: 'VACUUM s', value: (r) => (r.vacuumMs / 1000).toFixed(1), align: 'right' },
  { header: 'GB on disk', value: (r) => (r.totalBytes / 1e9).toFixed(1), align: 'right' },
  { header: 'fill ev/s', value: (r) => (r.fillPerSecond === null ? '-' : fmtRate(r.fillPerSecond)), align: 'right' },
  { header: 'fill s', value: (r) => r.fillSeconds.toFixed(0), align: 'right' },
  { header: 'load (1 min)', value: (r) => r.load.toFixed(1), align: 'right' },
];

const db = await benchDatabase({ prefix: 'pgel_bench_partitions', durable: !o.asProvided, log: (m) => console.error(m) });
try {
  const machine = await describeMachine(db.url);
  const started = new Date().toISOString();
  const write = async (rows: PartitionCurveRow[], extra: { detachMs?: number | null; reattachMs?: number | null } = {}) => {
    const report = { started, written: new Date().toISOString(), version: db.version, settings: db.settingsNote, machine, options: o, rows, ...extra };
    if (o.json) await fs.outputFile(path.resolve(o.json), JSON.stringify(report, null, 2) + '\n');
    if (o.markdown) {
      const tail = 'detachMs' in extra ? `\n\ndetach_partitions (one partition): ${fmtMs(extra.detachMs ?? null)} ms; reattach_partitions: ${fmtMs(extra.reattachMs ?? null)} ms\n` : '\n';
      await fs.outputFile(path.resolve(o.markdown), `${markdownTable(rows, columns)}${tail}`);
    }
  };
  const curve = await measurePartitionCurve(db.url, { ...o, log: (m) => console.error(m), onRow: (_row, rows) => write(rows) });
  await write(curve.rows, { detachMs: curve.detachMs, reattachMs: curve.reattachMs });
  console.log(db.settingsNote);
  console.log(textTable(curve.rows, columns));
  console.log(`detach_partitions (one partition): ${fmtMs(curve.detachMs)}; reattach_partitions: ${fmtMs(curve.reattachMs)}`);
} finally {
  stopChildren();
  await db.close();
}
