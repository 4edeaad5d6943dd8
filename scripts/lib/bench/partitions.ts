// The partitioned log as it grows (docs/partitions.md, issue 12): at each log size, the append
// rate of log_event at 32 clients (pgbench), the latency of a tail read (get_event after the
// 100th event from the end, 100 rows; p50/p99 of sequential calls), the disk per million events,
// and how long ensure_partitions and detach_partitions take. The log is filled with one
// INSERT ... SELECT per 100,000 events (the append path, one transaction each) and maintenance
// after each, as a cron job would run it.
import pg from 'pg';
import { appendScript, runPgbench } from './append.ts';
import { percentile } from './format.ts';

export interface PartitionCurveRow {
  events: number;
  partitions: number;
  appendPerSecond: number;
  tailP50Ms: number | null;
  tailP99Ms: number | null;
  bytesPerMillion: number;
  ensureMs: number;
}

export interface PartitionCurveOptions {
  /** Log sizes to measure at, ascending. */
  sizes: number[];
  partitionSize: number;
  clients: number;
  appendSeconds: number;
  tailReads: number;
  log?: (message: string) => void;
}

export interface PartitionCurve {
  rows: PartitionCurveRow[];
  detachMs: number | null;
  reattachMs: number | null;
}

const CHUNK = 100_000;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return [value, Number(process.hrtime.bigint() - start) / 1e6];
}

async function closePassed(c: pg.Client): Promise<void> {
  for (let i = 0; i < 100; i++) {
    await c.query('SELECT count(*) FROM eventlog.ensure_partitions(2)');
    const open = (await c.query<{ n: string }>('SELECT count(*) AS n FROM eventlog.partition_ranges WHERE max_tx_order_so_far IS NULL')).rows[0].n;
    if (open === '0') return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function measurePartitionCurve(url: string, o: PartitionCurveOptions): Promise<PartitionCurve> {
  const log = o.log ?? (() => {});
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('SELECT eventlog.set_partition_size($1)', [o.partitionSize]);
    const rows: PartitionCurveRow[] = [];
    let ensureTotal = 0;
    let ensureCalls = 0;
    const count = async () => Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM eventlog.events')).rows[0].n);
    for (const size of o.sizes) {
      let have = await count();
      while (have < size) {
        const n = Math.min(CHUNK, size - have);
        await c.query(`INSERT INTO eventlog.events (event_type, payload) SELECT 'bench', jsonb_build_object('n', g, 'note', 'an event of the partition curve') FROM generate_series(1, $1::int) AS g`, [n]);
        const [, ms] = await timed(() => c.query('SELECT count(*) FROM eventlog.ensure_partitions(2)'));
        ensureTotal += ms;
        ensureCalls++;
        have += n;
      }
      await closePassed(c);
      await c.query('VACUUM (ANALYZE) eventlog.events');
      log(`partitions: ${size} events, measuring`);
      const after = (await c.query<{ etag: string }>('SELECT etag FROM eventlog.events ORDER BY tx_order DESC, etag DESC OFFSET 100 LIMIT 1')).rows[0].etag;
      const lat: number[] = [];
      for (let i = 0; i < o.tailReads; i++) {
        const [, ms] = await timed(() => c.query('SELECT count(*) FROM eventlog.get_event($1::bigint, 100)', [after]));
        lat.push(ms);
      }
      lat.sort((a, b) => a - b);
      const bytes = Number((await c.query<{ b: string }>(
        `SELECT sum(pg_total_relation_size(i.inhrelid)) AS b FROM pg_inherits AS i WHERE i.inhparent = 'eventlog.events'::regclass`)).rows[0].b);
      const partitions = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'eventlog.events'::regclass`)).rows[0].n);
      // A first write whose guessed range the sequence passed meanwhile is refused with 40001 and
      // retried, as docs/partitions.md tells writers to; with --quick's small partitions (and a
      // busy machine) that happens now and then.
      const r = await runPgbench(url, appendScript('eventlog', 1), o.clients, o.appendSeconds, { role: 'eventlog_writer', maxTries: 10 });
      rows.push({
        events: size, partitions, appendPerSecond: r.tps, tailP50Ms: percentile(lat, 50), tailP99Ms: percentile(lat, 99),
        bytesPerMillion: (bytes / (await count())) * 1e6, ensureMs: ensureTotal / Math.max(1, ensureCalls),
      });
    }
    // Archive the oldest closed partition and bring it back.
    const oldest = (await c.query<{ to: string }>(
      `SELECT r.to_etag AS to FROM eventlog.partition_ranges AS r WHERE r.max_tx_order_so_far IS NOT NULL ORDER BY r.from_etag LIMIT 1`)).rows[0];
    let detachMs: number | null = null;
    let reattachMs: number | null = null;
    if (oldest) {
      [, detachMs] = await timed(() => c.query('SELECT count(*) FROM eventlog.detach_partitions($1::bigint)', [oldest.to]));
      [, reattachMs] = await timed(() => c.query('SELECT count(*) FROM eventlog.reattach_partitions()'));
    }
    return { rows, detachMs, reattachMs };
  } finally {
    await c.end();
  }
}

export interface PartitionSectionOptions {
  quick: boolean;
  sizes?: number[];
  partitionSize?: number;
  clients: number;
  asProvided?: boolean;
  log: (message: string) => void;
}

/**
 * make bench's partition curve, in a scratch database of its own (set_partition_size needs a log
 * without events): prints its table and returns the figures. Quick: 20,000 events in partitions
 * of 10,000; otherwise 1M and 10M in partitions of 1M (make bench-partitions for other sizes).
 */
export async function partitionSection(o: PartitionSectionOptions): Promise<PartitionCurve> {
  const { benchDatabase } = await import('./setup.ts');
  const { fmtMs, fmtRate, textTable } = await import('./format.ts');
  const db = await benchDatabase({ prefix: 'pgel_bench_partitions', durable: !o.asProvided, log: o.log });
  try {
    const curve = await measurePartitionCurve(db.url, {
      sizes: o.sizes ?? (o.quick ? [20_000] : [1_000_000, 10_000_000]),
      partitionSize: o.partitionSize ?? (o.quick ? 10_000 : 1_000_000),
      clients: o.clients,
      appendSeconds: o.quick ? 1 : 10,
      tailReads: o.quick ? 100 : 2000,
      log: o.log,
    });
    console.log('');
    console.log(textTable(curve.rows, [
      { header: 'partitioned log: events', value: (r) => fmtRate(r.events) },
      { header: 'partitions', value: (r) => String(r.partitions) },
      { header: `log_event ${o.clients} clients, ev/s`, value: (r) => fmtRate(r.appendPerSecond) },
      { header: 'tail read p50 ms', value: (r) => fmtMs(r.tailP50Ms) },
      { header: 'tail read p99 ms', value: (r) => fmtMs(r.tailP99Ms) },
      { header: 'MB per 1M events', value: (r) => (r.bytesPerMillion / 1e6).toFixed(0) },
      { header: 'ensure_partitions ms', value: (r) => fmtMs(r.ensureMs) },
    ]));
    console.log(`detach_partitions (one partition): ${fmtMs(curve.detachMs)} ms; reattach_partitions: ${fmtMs(curve.reattachMs)} ms (${db.settingsNote})`);
    return curve;
  } finally {
    await db.close();
  }
}
