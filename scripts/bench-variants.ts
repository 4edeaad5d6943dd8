// make bench-variants: where the time of a one-event append goes, step by step from a bare INSERT
// to log_event (bench/variants.sql), with pgbench at one client count; then the INSERT path with
// variants of its append check trigger (the body of eventlog.tg_events__check_append replaced
// before each run, put back at the end). --only picks variants by name (the ceiling always runs).
//
// Beside events/s it prints the CPU time the server, pgbench and kernel threads spent per
// transaction (Linux /proc): on a shared virtual machine, neighbours move events/s by ±10% from
// one run to the next, while the CPU spent per transaction stays put much better. Variants
// alternate, reversing the order each round, and each figure is the median over the rounds.
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { fs } from 'zx';
import { repoRoot, withClient } from './lib/database.ts';
import { runPgbench, stopChildren } from './lib/bench/append.ts';
import { CpuMeter } from './lib/bench/cpu.ts';
import { positiveInt } from './lib/bench/options.ts';
import { fmtRate, fmtRatio, textTable } from './lib/bench/format.ts';
import { benchDatabase, describeMachine, onInterrupt, type BenchDatabase } from './lib/bench/setup.ts';

const PAYLOAD = `jsonb_build_object('n', :n::integer, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench')`;

/**
 * From the ceiling to log_event, each adding one thing to the one before it; then the INSERT path
 * into eventlog.events with variants of its append check trigger (bench/variants.sql), each
 * installed by `setup` before its runs.
 */
const ALL_VARIANTS: { name: string; sql: string; setup?: string }[] = [
  { name: 'bare INSERT (ceiling)', sql: `INSERT INTO eventlog_bench.plain_events (payload) VALUES (${PAYLOAD});` },
  { name: '+ (tx_order, etag) index', sql: `INSERT INTO eventlog_bench.ordered_events (payload) VALUES (${PAYLOAD});` },
  { name: 'PL/pgSQL around the bare INSERT, void', sql: `SELECT eventlog_variants.insert_void(${PAYLOAD});` },
  { name: '… returning the row', sql: `SELECT 1 FROM eventlog_variants.insert_returning(${PAYLOAD});` },
  { name: '… into eventlog.events, SECURITY DEFINER', sql: `SELECT 1 FROM eventlog_variants.insert_into_events(${PAYLOAD});` },
  { name: '… with SET search_path', sql: `SELECT 1 FROM eventlog_variants.insert_into_events_pinned(${PAYLOAD});` },
  { name: 'log_event', sql: `SELECT 1 FROM eventlog.log_event(${PAYLOAD});` },
  ...[
    ['INSERT into eventlog.events, check trigger as shipped', 'shipped'],
    ['… trigger floor: sets tx_order and etag only (unsafe)', 'floor'],
    ['… check trigger in one expression plus the etag', 'one-expression'],
  ].map(([name, body]) => ({
    name,
    sql: `INSERT INTO eventlog.events (payload) VALUES (${PAYLOAD});`,
    setup: `SELECT eventlog_variants.use_check('${body}')`,
  })),
  { name: 'ordered storage, partitioned like the log, defaults (no checks)', sql: `INSERT INTO eventlog_variants.ordered_partitioned_events (payload) VALUES (${PAYLOAD});` },
  { name: '… checks in domains, no row trigger', sql: `INSERT INTO eventlog_variants.domain_events (payload) VALUES (${PAYLOAD});` },
  // A stream of each client's own: the stream version trigger's bookkeeping, without a function.
  { name: 'INSERT into eventlog.events with a stream (one per client)', sql: `INSERT INTO eventlog.events (stream, payload) VALUES ('variant-' || :client_id::integer, ${PAYLOAD});` },
  { name: 'append_to_stream, any version (one stream per client)', sql: `SELECT 1 FROM eventlog.append_to_stream('variant-call-' || :client_id::integer, pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('type', 'bench', 'payload', ${PAYLOAD})));` },
];

const o = new Command('bench-variants')
  .description('CPU per one-event append, from a bare INSERT to log_event, step by step.')
  .option('--clients <n>', 'pgbench clients (default 32)', positiveInt, 32)
  .option('--only <list>', 'run only the variants whose names contain one of these comma-separated words')
  .option('--events-per-tx <n>', 'events per transaction: with more than 1, only the INSERT variants run, one multi-row INSERT each (default 1)', positiveInt, 1)
  .option('--rounds <n>', 'runs per variant, alternating the order (default 4)', positiveInt, 4)
  .option('--duration <seconds>', 'seconds per run (default 5)', positiveInt, 5)
  .option('--as-provided', "keep the throwaway cluster's test settings (fsync off) instead of durable defaults")
  .addHelpText('after', '\nThe database: a scratch database on DATABASE_URL\'s server if set, else a throwaway cluster; dropped afterwards.')
  .parse()
  .opts<{ clients: number; eventsPerTx: number; rounds: number; duration: number; asProvided?: boolean; only?: string }>();

// The ceiling always runs: every ratio is against it.
const words = o.only?.split(',').map((w) => w.trim()).filter(Boolean);
const PICKED = words ? ALL_VARIANTS.filter((v, i) => i === 0 || words.some((w) => v.name.includes(w))) : ALL_VARIANTS;
// Several events per transaction: one INSERT of that many rows; the function variants, which take
// one event per call, are left out.
const ROWS = Array.from({ length: o.eventsPerTx }, (_, i) => `(${PAYLOAD.replace(':n::integer', `:n::integer + ${i}`)})`).join(',\n  ');
const RUN = o.eventsPerTx === 1
  ? PICKED
  : PICKED.filter((v) => v.sql.startsWith('INSERT')).map((v) => ({ ...v, sql: v.sql.replace(`(${PAYLOAD})`, ROWS) }));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const log = (message: string) => console.error(`# ${message}`);

let db: BenchDatabase | undefined;
const removeInterrupt = onInterrupt(stopChildren, () => db);
const scripts = await fs.mkdtemp(path.join(os.tmpdir(), 'pgel-variants-'));
try {
  db = await benchDatabase({ prefix: 'pgel_variants', durable: !o.asProvided, log });
  for (const file of ['baseline.sql', 'variants.sql']) {
    const sql = await fs.readFile(path.join(repoRoot, 'bench', file), 'utf8');
    await withClient(db.url, (c) => c.query(sql));
  }
  // Verifies the clock once, so that no run pays for it.
  await withClient(db.url, (c) => c.query(`SELECT eventlog.log_event('{"warm": true}')`));
  const meter = await CpuMeter.create(db.url, db.cluster.kind === 'local');
  const files = await Promise.all(RUN.map(async (v, i) => {
    const file = path.join(scripts, `variant-${i}.sql`);
    await fs.writeFile(file, `\\set n random(1, 1000000000)\n${v.sql}\n`);
    return file;
  }));

  const tps = RUN.map(() => [] as number[]);
  const cpu = RUN.map(() => [] as number[]);
  for (let round = 0; round < o.rounds; round++) {
    const order = RUN.map((_, i) => i);
    if (round % 2) order.reverse();
    for (const i of order) {
      const setup = RUN[i].setup;
      if (setup) await withClient(db.url, (c) => c.query(setup));
      await withClient(db.url, (c) => c.query('CHECKPOINT')).catch(() => {});
      const before = meter?.sample();
      const r = await runPgbench(db.url, files[i], o.clients, o.duration);
      const after = meter?.sample();
      tps[i].push(r.tps * o.eventsPerTx);
      // Clock ticks (1/100 s on Linux) of our processes, per transaction, in microseconds.
      if (before && after) cpu[i].push(((after.ours - before.ours) * 10_000) / (r.transactions * o.eventsPerTx));
      log(`round ${round + 1} ${RUN[i].name}: ${Math.round(r.tps * o.eventsPerTx)} events/s${cpu[i].length ? `, ${Math.round(cpu[i].at(-1)!)} µs CPU per event` : ''}`);
    }
  }

  await withClient(db.url, (c) => c.query(`SELECT eventlog_variants.use_check('shipped')`));
  const machine = await describeMachine(db.url);
  const rows = RUN.map((v, i) => ({ name: v.name, tps: median(tps[i]), cpu: cpu[i].length ? median(cpu[i]) : null }));
  console.log(`${machine.postgres}, ${machine.cores} cores; ${o.clients} clients, ${o.eventsPerTx} event(s) per transaction, ${o.rounds} × ${o.duration} s per variant, medians; ${db.settingsNote}`);
  console.log(textTable(rows, [
    { header: 'variant', value: (r) => r.name },
    { header: 'events/s', value: (r) => fmtRate(r.tps), align: 'right' },
    { header: 'ratio', value: (r) => fmtRatio(r.tps / rows[0].tps), align: 'right' },
    { header: 'CPU µs/event', value: (r) => (r.cpu === null ? 'n/a' : r.cpu.toFixed(0)), align: 'right' },
    { header: 'CPU ratio', value: (r) => (r.cpu === null || rows[0].cpu === null ? '' : fmtRatio(rows[0].cpu / r.cpu)), align: 'right' },
  ]));
  if (!meter) console.log('CPU per event needs Linux and a local server; not measured.');
} catch (err) {
  console.error(`bench-variants: error: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  removeInterrupt();
  await fs.rm(scripts, { recursive: true, force: true });
  await db?.close();
}
