// make bench-partitions: the partitioned log's curve (scripts/lib/bench/partitions.ts): append
// rate at 32 clients, tail-read p50/p99, disk per million events at growing log sizes, and the
// time of ensure_partitions and detach_partitions. e.g. make bench-partitions ARGS="--sizes 1000000,10000000"
import { Command } from 'commander';
import { fmtMs, fmtRate, textTable } from './lib/bench/format.ts';
import { intList, positiveInt } from './lib/bench/options.ts';
import { measurePartitionCurve } from './lib/bench/partitions.ts';
import { benchDatabase } from './lib/bench/setup.ts';
import { stopChildren } from './lib/bench/append.ts';

const o = new Command('bench-partitions')
  .option('--sizes <list>', 'log sizes to measure at (default 1000000,10000000)', intList, [1_000_000, 10_000_000])
  .option('--partition-size <n>', 'etags per partition (default 1000000)', positiveInt, 1_000_000)
  .option('--clients <n>', 'pgbench clients for the append rate (default 32)', positiveInt, 32)
  .option('--append-seconds <s>', 'seconds of pgbench per size (default 10)', positiveInt, 10)
  .option('--tail-reads <n>', 'tail reads per size (default 2000)', positiveInt, 2000)
  .option('--fill-connections <n>', 'sessions filling the log at once, through the append path (default 2)', positiveInt, 2)
  .option('--as-provided', "keep the throwaway cluster's test settings (fsync off)")
  .parse()
  .opts<{ sizes: number[]; partitionSize: number; clients: number; appendSeconds: number; tailReads: number; fillConnections: number; asProvided?: boolean }>();

const db = await benchDatabase({ prefix: 'pgel_bench_partitions', durable: !o.asProvided, log: (m) => console.error(m) });
try {
  const curve = await measurePartitionCurve(db.url, { ...o, log: (m) => console.error(m) });
  console.log(db.settingsNote);
  console.log(textTable(curve.rows, [
    { header: 'events', value: (r) => fmtRate(r.events) },
    { header: 'partitions', value: (r) => String(r.partitions) },
    { header: `log_event ${o.clients} clients, ev/s`, value: (r) => fmtRate(r.appendPerSecond) },
    { header: 'tail read p50', value: (r) => fmtMs(r.tailP50Ms) },
    { header: 'tail read p99', value: (r) => fmtMs(r.tailP99Ms) },
    { header: 'MB per 1M events', value: (r) => (r.bytesPerMillion / 1e6).toFixed(0) },
    { header: 'ensure_partitions', value: (r) => fmtMs(r.ensureMs) },
    { header: 'GB on disk', value: (r) => (r.totalBytes / 1e9).toFixed(1) },
    { header: 'fill ev/s', value: (r) => (r.fillPerSecond === null ? '-' : fmtRate(r.fillPerSecond)) },
  ]));
  console.log(`detach_partitions (one partition): ${fmtMs(curve.detachMs)}; reattach_partitions: ${fmtMs(curve.reattachMs)}`);
} finally {
  stopChildren();
  await db.close();
}
