// The partitioned log as it grows (docs/partitions.md, issue 12): at each log size, the append
// rate of log_event at 32 clients (pgbench), the latency of a tail read (get_event after the
// 100th event from the end, 100 rows; p50/p99 of sequential calls) and the buffers it and a named
// client's read there touch (EXPLAIN (ANALYZE, BUFFERS)), the disk per million events, and how
// long ensure_partitions (during the fill and once at rest), VACUUM and detach_partitions take.
//
// The fill goes through the real append path (the column default and the append check trigger,
// as any INSERT): INSERT ... SELECT generate_series of 100,000 events per transaction, on
// `fillConnections` sessions at once (synchronous_commit off for them: one commit per 100,000
// events), then ensure_partitions(2) from the measuring session after each round, as a cron job
// would run it between bulk loads (a statement never runs while a partition is attached, so the
// attach race of docs/partitions.md cannot hit it). No shortcut around the trigger: every row,
// tx_order and the etag sequence are exactly what writers would have produced.
//
// The measurement is the same workload at every size, from the same starting state: every passed
// range closed, VACUUM (ANALYZE), CHECKPOINT (so no size is measured during the fill's write-back),
// then a discarded warm-up (a short pgbench run and 200 tail reads: the first size is not measured
// with colder caches than the later ones), then the tail reads and the measured pgbench run.
import os from 'node:os';
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
  /** Disk of every partition of the log, bytes (heap, indexes, TOAST). */
  totalBytes: number;
  /** Mean time of the ensure_partitions(2) calls of the fill up to this size (each after a round that may pass a range). */
  ensureMs: number;
  /** One ensure_partitions(2) call at the measured state (every range there, nothing to make). */
  ensureIdleMs: number;
  /** VACUUM (ANALYZE) of the log before measuring (only what the fill added needs it). */
  vacuumMs: number;
  /** Shared buffers (hit + read) of one warm tail read, get_event(after, 100), by EXPLAIN (ANALYZE, BUFFERS). */
  tailBuffers: number;
  /** The same for a named client positioned there, get_event(client, 100) (its cursor row and update included). */
  clientBuffers: number;
  /** Its execution time (EXPLAIN ANALYZE, one warm call, no writers running). */
  clientReadMs: number;
  /** Events per second of the fill up to this size (null when nothing was filled). */
  fillPerSecond: number | null;
  /** Seconds the fill up to this size took. */
  fillSeconds: number;
  /** 1-minute load average of the machine when this size was measured. */
  load: number;
}

export interface PartitionCurveOptions {
  /** Log sizes to measure at, ascending. */
  sizes: number[];
  partitionSize: number;
  clients: number;
  appendSeconds: number;
  tailReads: number;
  /** Sessions filling the log at once (default 2). */
  fillConnections?: number;
  log?: (message: string) => void;
  /** Called with every row as soon as its size is measured (a long run keeps the sizes it reached). */
  onRow?: (row: PartitionCurveRow, rows: PartitionCurveRow[]) => void | Promise<void>;
}

export interface PartitionCurve {
  rows: PartitionCurveRow[];
  detachMs: number | null;
  reattachMs: number | null;
}

const CHUNK = 100_000;
const FILL = `INSERT INTO eventlog.events (event_type, payload)
  SELECT 'bench', jsonb_build_object('n', g, 'note', 'an event of the partition curve') FROM generate_series(1, $1::int) AS g`;

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

/** Shared buffers (hit + read) of the second of two runs of `sql` (the first warms the plan and the pages); `rollback`: in a rolled-back transaction. */
async function explainBuffers(c: pg.Client, sql: string, rollback = false): Promise<{ buffers: number; ms: number }> {
  let r = { buffers: 0, ms: 0 };
  for (let i = 0; i < 2; i++) {
    if (rollback) await c.query('BEGIN');
    const out = (await c.query<{ 'QUERY PLAN': { Plan: Record<string, number>; 'Execution Time': number }[] }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`)).rows[0]['QUERY PLAN'][0];
    if (rollback) await c.query('ROLLBACK');
    r = { buffers: out.Plan['Shared Hit Blocks'] + out.Plan['Shared Read Blocks'], ms: out['Execution Time'] };
  }
  return r;
}

/** One chunk; a first write refused at a partition boundary (40001, docs/partitions.md) is retried. */
async function fillChunk(w: pg.Client, n: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await w.query(FILL, [n]);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '40001' || attempt >= 10) throw err;
    }
  }
}

export async function measurePartitionCurve(url: string, o: PartitionCurveOptions): Promise<PartitionCurve> {
  const log = o.log ?? (() => {});
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const fillers: pg.Client[] = [];
  try {
    await c.query('SELECT eventlog.set_partition_size($1)', [o.partitionSize]);
    for (let i = 0; i < Math.max(1, o.fillConnections ?? 2); i++) {
      const w = new pg.Client({ connectionString: url });
      await w.connect();
      fillers.push(w);
      await w.query('SET synchronous_commit = off');
    }
    const rows: PartitionCurveRow[] = [];
    let ensureTotal = 0;
    let ensureCalls = 0;
    let ensureBefore = { total: 0, calls: 0 };
    const count = async () => Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM eventlog.events')).rows[0].n);
    const tailReads = async (after: string, n: number) => {
      const lat: number[] = [];
      for (let i = 0; i < n; i++) {
        const [, ms] = await timed(() => c.query('SELECT count(*) FROM eventlog.get_event($1::bigint, 100)', [after]));
        lat.push(ms);
      }
      return lat.sort((a, b) => a - b);
    };
    const pgbench = (seconds: number) =>
      // A first write whose guessed range the sequence passed meanwhile is refused with 40001 and
      // retried, as docs/partitions.md tells writers to; with --quick's small partitions (and a
      // busy machine) that happens now and then.
      runPgbench(url, appendScript('eventlog', 1), o.clients, seconds, { role: 'eventlog_writer', maxTries: 10 });
    for (const size of o.sizes) {
      let have = await count();
      const fillStart = have;
      const [, fillMs] = await timed(async () => {
        while (have < size) {
          const round: Promise<void>[] = [];
          for (const w of fillers) {
            const n = Math.min(CHUNK, size - have);
            if (n <= 0) break;
            have += n;
            round.push(fillChunk(w, n));
          }
          await Promise.all(round);
          const [, ms] = await timed(() => c.query('SELECT count(*) FROM eventlog.ensure_partitions(2)'));
          ensureTotal += ms;
          ensureCalls++;
          if (Math.floor(have / 1_000_000) !== Math.floor((have - CHUNK * fillers.length) / 1_000_000)) log(`partitions: filled ${have} events`);
        }
      });
      const filled = have - fillStart;
      const ensureMs = (ensureTotal - ensureBefore.total) / Math.max(1, ensureCalls - ensureBefore.calls);
      ensureBefore = { total: ensureTotal, calls: ensureCalls };
      // The same starting state at every size.
      await closePassed(c);
      const [, vacuumMs] = await timed(() => c.query('VACUUM (ANALYZE) eventlog.events'));
      await c.query('CHECKPOINT');
      log(`partitions: ${size} events, warming up and measuring`);
      await pgbench(Math.min(3, o.appendSeconds));
      await closePassed(c);
      const after = (await c.query<{ etag: string }>('SELECT etag FROM eventlog.events ORDER BY tx_order DESC, etag DESC OFFSET 100 LIMIT 1')).rows[0].etag;
      await tailReads(after, Math.min(200, o.tailReads));
      const lat = await tailReads(after, o.tailReads);
      const { buffers: tailBuffers } = await explainBuffers(c, `SELECT * FROM eventlog.get_event(${BigInt(after)}, 100)`);
      await c.query(`SELECT count(*) FROM eventlog.get_event('bench-tail', 1)`);
      await c.query(`SELECT eventlog.seek_client('bench-tail', $1::bigint)`, [after]);
      const { buffers: clientBuffers, ms: clientReadMs } = await explainBuffers(c, `SELECT * FROM eventlog.get_event('bench-tail', 100)`, true);
      await c.query(`SELECT eventlog.drop_client('bench-tail')`);
      const [, ensureIdleMs] = await timed(() => c.query('SELECT count(*) FROM eventlog.ensure_partitions(2)'));
      const bytes = Number((await c.query<{ b: string }>(
        `SELECT sum(pg_total_relation_size(i.inhrelid)) AS b FROM pg_inherits AS i WHERE i.inhparent = 'eventlog.events'::regclass`)).rows[0].b);
      const events = await count();
      const partitions = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'eventlog.events'::regclass`)).rows[0].n);
      const r = await pgbench(o.appendSeconds);
      rows.push({
        events: size, partitions, appendPerSecond: r.tps, tailP50Ms: percentile(lat, 50), tailP99Ms: percentile(lat, 99),
        bytesPerMillion: (bytes / events) * 1e6, totalBytes: bytes, ensureMs, ensureIdleMs, vacuumMs, tailBuffers, clientBuffers, clientReadMs,
        fillPerSecond: filled > 0 ? filled / (fillMs / 1000) : null,
        fillSeconds: fillMs / 1000, load: Math.round(os.loadavg()[0] * 100) / 100,
      });
      log(`partitions: measured ${JSON.stringify(rows.at(-1))}`);
      await o.onRow?.(rows.at(-1)!, rows);
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
    for (const w of fillers) await w.end().catch(() => {});
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
      { header: 'tail read buffers', value: (r) => String(r.tailBuffers) },
      { header: 'MB per 1M events', value: (r) => (r.bytesPerMillion / 1e6).toFixed(0) },
      { header: 'ensure_partitions ms', value: (r) => fmtMs(r.ensureMs) },
      { header: 'GB on disk', value: (r) => (r.totalBytes / 1e9).toFixed(1) },
      { header: 'fill ev/s', value: (r) => (r.fillPerSecond === null ? '-' : fmtRate(r.fillPerSecond)) },
    ]));
    console.log(`detach_partitions (one partition): ${fmtMs(curve.detachMs)} ms; reattach_partitions: ${fmtMs(curve.reattachMs)} ms (${db.settingsNote})`);
    return curve;
  } finally {
    await db.close();
  }
}
