// make bench: pg-eventlog side by side with its baselines, in one run, on one scratch database.
//
//   append   pgbench, 1/8/32 clients × 1/10 events per transaction: pg-eventlog's INSERT path and
//            log_event (and append_to_stream once it exists), a plain INSERT into a table of the
//            same shape (the ceiling, ratio 1.00), a diagnostic INSERT with the order's storage, and
//            the peers: a plain INSERT behind an advisory lock held to commit (the
//            writer-serializing design), Message DB's write_message (with and without an expected
//            version) and PgQ's insert_event, installed at bench time (scripts/lib/bench/peers.ts).
//   copy     COPY of --copy-events events in one transaction into eventlog.events against COPY
//            into the plain table.
//   read     one reader from the start of a preloaded log at batch 1000/100/10: get_event(after, n),
//            get_event('client', n) (n/a until named clients exist) and a plain keyset scan over
//            a table holding the same rows (the baseline).
//   latency  commit-to-read p50/p99 for a follower while 8 writers append.
//   capture  UPDATEs of a tracked table against the untracked one and the advisory-lock design;
//   compact  compaction of superseded revisions, and its effect on appends (scripts/lib/bench/capture.ts).
//   load_stream  p50/p99 of load_stream (snapshot + the events after it) of a 100-event stream in a
//            log of --stream-events events across --streams streams, in a database of its own
//            (scripts/lib/bench/load-stream.ts).
//   serve    the same through `pg-eventlog serve` to --serve-subscribers SSE subscribers, with the
//            server's RSS (scripts/lib/bench/serve.ts); --skip-serve leaves it out.
//   push     subscribe() woken by the wake-up watcher: commit-to-subscriber p50/p99, the 32-client
//            INSERT-path ratio with the watcher running and without, its idle CPU
//            (scripts/lib/bench/push.ts; --skip-push leaves it out).
//
// Prints one table; --json FILE and --markdown FILE (docs/benchmarks.md) write it down with the
// machine and the settings. See docs/benchmarks.md for the method and what is fair about it.
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { $, fs } from 'zx';
import { repoRoot, withClient } from './lib/database.ts';
import { APPEND_IMPLEMENTATIONS, APPEND_LABELS, measureAppends, stopChildren, type AppendCell, type AppendImplementation } from './lib/bench/append.ts';
import { COPY_IMPLEMENTATIONS, COPY_LABELS, measureCopies, writeCopyFile, type CopyCell } from './lib/bench/copy.ts';
import { measureLoadStreamOrReason, type LoadStreamResult } from './lib/bench/load-stream.ts';
import { installMessageDb, installPgq, unavailableAppends, type Peer } from './lib/bench/peers.ts';
import { CpuMeter, measureCalmly } from './lib/bench/cpu.ts';
import { intList, nonNegative, positiveInt } from './lib/bench/options.ts';
import { fmtMs, fmtRate, fmtRatio, markdownTable, textTable, type Column } from './lib/bench/format.ts';
import {
  FOLLOWER_LABELS,
  FOLLOWERS,
  READ_IMPLEMENTATIONS,
  READ_LABELS,
  measureLatency,
  measureRead,
  preload,
  type LatencyResult,
  type ReadCell,
} from './lib/bench/read.ts';
import { captureRows, measureCapture } from './lib/bench/capture.ts';
import { measureServe, type ServeBenchResult } from './lib/bench/serve.ts';
import { measurePush, pushRows } from './lib/bench/push.ts';
import { benchDatabase, describeMachine, hasNamedClients, onInterrupt, readSettings, type BenchDatabase } from './lib/bench/setup.ts';
import { partitionSection } from './lib/bench/partitions.ts';

/** The parts of the run, as --only names them. */
const PARTS = ['append', 'copy', 'read', 'latency', 'serve', 'push', 'capture', 'load_stream', 'partitions'] as const;
type Part = (typeof PARTS)[number];
function partList(value: string): Part[] {
  const parts = value.split(',').map((v) => v.trim()).filter(Boolean);
  for (const p of parts) if (!(PARTS as readonly string[]).includes(p)) throw new InvalidArgumentError(`parts are ${PARTS.join(', ')}; not ${p}`);
  return parts as Part[];
}
function appendList(value: string): AppendImplementation[] {
  const impls = value.split(',').map((v) => v.trim()).filter(Boolean);
  for (const i of impls) if (!(APPEND_IMPLEMENTATIONS as readonly string[]).includes(i)) throw new InvalidArgumentError(`implementations are ${APPEND_IMPLEMENTATIONS.join(', ')}; not ${i}`);
  return impls as AppendImplementation[];
}

const program = new Command('bench')
  .description('Append, read and latency benchmarks of pg-eventlog against a plain table, in one run.')
  .option('--quick', 'short cells and a 100k-event log: finishes in under two minutes')
  .option('--duration <seconds>', 'seconds per append cell (default 10, quick 2)', positiveInt)
  .option('--rounds <n>', 'runs per append cell, alternating the order of implementations (default 2, quick 1)', positiveInt)
  .option('--clients <list>', 'pgbench client counts', intList, [1, 8, 32])
  .option('--events-per-tx <list>', 'events per append transaction (1 and/or 10)', intList, [1, 10])
  .option('--events <n>', 'events in the preloaded log the readers drain (default 1000000, quick 100000)', positiveInt)
  .option('--copy-events <n>', 'events per COPY (default 1000000, quick 100000)', positiveInt)
  .option('--batches <list>', 'reader batch sizes', intList, [1000, 100, 10])
  .option('--read-seconds <seconds>', 'time cap per read cell (default 30, quick 3)', positiveInt)
  .option('--latency-seconds <seconds>', 'seconds of writing per latency run (default 10, quick 2)', positiveInt)
  .option('--latency-rate <n>', 'appends per second over all latency writers; 0 = flat out', nonNegative, 1000)
  .option('--writers <n>', 'writer connections in the latency runs', positiveInt, 8)
  .option('--poll-ms <ms>', "the latency follower's poll interval when caught up", nonNegative, 5)
  .option('--stream-events <n>', 'events in the load_stream log, all in streams (default 1000000, quick 100000)', positiveInt)
  .option('--streams <n>', 'streams they are spread over (default 10000, quick 1000)', positiveInt)
  .option('--load-stream-seconds <seconds>', 'seconds of load_stream calls (default 10, quick 2)', positiveInt)
  .option('--skip-load-stream', 'leave out the load_stream row (n/a)')
  .option('--retries <n>', 'measure a figure again (up to n times) when other processes took 10% of the CPU or more meanwhile (default 2, quick 0)', (v) => Math.max(0, Math.floor(Number(v))))
  .option('--capture-rows <n>', 'rows of each table of the change-capture rows (default 100000, quick 10000)', positiveInt)
  .option('--compact-revisions <n>', 'superseded revisions for the compaction rows (default 1000000, quick 20000)', positiveInt)
  .option('--skip-capture', 'leave out the change-capture and compaction rows')
  .option('--serve-subscribers <n>', 'SSE subscribers of the serve row (default 1000, quick 50)', positiveInt)
  .option('--serve-rate <n>', 'appends per second over all writers in the serve row (default 800: 8 writers at 100/s)', positiveInt)
  .option('--skip-serve', 'leave out the serve row')
  .option('--skip-push', 'leave out the push-delivery rows (subscribe latency, append ratio with the watcher, idle watcher CPU)')
  .option('--json <file>', 'also write the results as JSON')
  .option('--markdown <file>', 'also write the results as Markdown (e.g. docs/benchmarks.md)')
  .option('--as-provided', "keep the throwaway cluster's test settings (fsync off) instead of durable defaults")
  .option('--partition-sizes <list>', 'log sizes of the partitioned-log curve, in a database of its own (default 1000000,10000000, quick 20000)', intList)
  .option('--skip-partitions', 'leave out the partitioned-log curve')
  .option('--only <parts>', `run only these parts, comma-separated (${PARTS.join(', ')}); the table then has only their rows`, partList)
  .option('--appends <list>', `append implementations to run, comma-separated (${APPEND_IMPLEMENTATIONS.join(', ')}); plain, the baseline, always runs`, appendList)
  .addHelpText('after', '\nThe database: a scratch database on DATABASE_URL\'s server if set, else a throwaway cluster; dropped afterwards.');

interface Options {
  partitionSizes?: number[];
  skipPartitions?: boolean;
  quick?: boolean;
  duration?: number;
  rounds?: number;
  clients: number[];
  eventsPerTx: number[];
  events?: number;
  copyEvents?: number;
  batches: number[];
  readSeconds?: number;
  latencySeconds?: number;
  latencyRate: number;
  writers: number;
  pollMs: number;
  streamEvents?: number;
  streams?: number;
  loadStreamSeconds?: number;
  skipLoadStream?: boolean;
  retries?: number;
  captureRows?: number;
  compactRevisions?: number;
  skipCapture?: boolean;
  serveSubscribers?: number;
  serveRate?: number;
  skipServe?: boolean;
  json?: string;
  markdown?: string;
  asProvided?: boolean;
  skipPush?: boolean;
  only?: Part[];
  appends?: AppendImplementation[];
}

/** One line of the result table. */
export interface Row {
  test: 'append' | 'copy' | 'read' | 'latency' | 'capture' | 'compact' | 'load_stream' | 'push' | 'serve';
  implementation: string;
  clients: number;
  /** Events per transaction (append, copy), batch size (read, latency). */
  size: number;
  eventsPerSecond: number | null;
  ratio: number | null;
  baseline: boolean;
  p50Ms?: number | null;
  p99Ms?: number | null;
  note?: string;
}

const columns: Column<Row>[] = [
  { header: 'test', value: (r) => r.test },
  { header: 'implementation', value: (r) => r.implementation },
  { header: 'clients', value: (r) => String(r.clients), align: 'right' },
  { header: 'events/tx|batch', value: (r) => String(r.size), align: 'right' },
  { header: 'events/s', value: (r) => fmtRate(r.eventsPerSecond), align: 'right' },
  { header: 'ratio', value: (r) => (r.baseline ? 'baseline' : fmtRatio(r.ratio)), align: 'right' },
  { header: 'p50 ms', value: (r) => fmtMs(r.p50Ms), align: 'right' },
  { header: 'p99 ms', value: (r) => fmtMs(r.p99Ms), align: 'right' },
  { header: 'note', value: (r) => r.note ?? '' },
];

const log = (m: string) => console.error(`# ${m}`);

async function main(argv: string[]): Promise<number> {
  program.parse(argv);
  const o = program.opts<Options>();
  const quick = !!o.quick;
  const settings = {
    duration: o.duration ?? (quick ? 2 : 10),
    rounds: o.rounds ?? (quick ? 1 : 2),
    clients: o.clients,
    eventsPerTx: o.eventsPerTx,
    events: o.events ?? (quick ? 100_000 : 1_000_000),
    copyEvents: o.copyEvents ?? (quick ? 100_000 : 1_000_000),
    batches: o.batches,
    readSeconds: o.readSeconds ?? (quick ? 3 : 30),
    latencySeconds: o.latencySeconds ?? (quick ? 2 : 10),
    latencyRate: o.latencyRate,
    writers: o.writers,
    pollMs: o.pollMs,
    retries: o.retries ?? (quick ? 0 : 2),
    captureRows: o.captureRows ?? (quick ? 10_000 : 100_000),
    compactRevisions: o.compactRevisions ?? (quick ? 20_000 : 1_000_000),
    streamEvents: o.streamEvents ?? (quick ? 100_000 : 1_000_000),
    streams: o.streams ?? (quick ? 1_000 : 10_000),
    loadStreamSeconds: o.loadStreamSeconds ?? (quick ? 2 : 10),
    serveSubscribers: o.serveSubscribers ?? (quick ? 50 : 1000),
    serveRate: o.serveRate ?? 800,
    skipServe: !!o.skipServe,
  };
  if (settings.streamEvents % settings.streams !== 0 || settings.streamEvents < settings.streams) {
    throw new Error(`--stream-events ${settings.streamEvents} must be a multiple of --streams ${settings.streams}: every stream gets the same number of events`);
  }
  for (const k of settings.eventsPerTx) if (k !== 1 && k !== 10) throw new Error(`--events-per-tx: only 1 and 10 have pgbench scripts in bench/, not ${k}`);
  const runs = (part: Part) => !o.only || o.only.includes(part);
  const appendImpls: readonly AppendImplementation[] = o.appends
    ? APPEND_IMPLEMENTATIONS.filter((impl) => impl === 'plain' || o.appends!.includes(impl))
    : APPEND_IMPLEMENTATIONS;
  const wantsPeer = (...impls: AppendImplementation[]) => runs('append') && impls.some((impl) => appendImpls.includes(impl));
  const args = argv.slice(2);
  const command = args.length ? `make bench ARGS="${args.join(' ')}"` : 'make bench';
  const started = new Date();
  const t0 = Date.now();

  let db: BenchDatabase | undefined;
  const removeInterrupt = onInterrupt(stopChildren, () => db);
  try {
    db = await benchDatabase({ prefix: 'pgel_bench', durable: !o.asProvided, log });
    const url = db.url;
    await withClient(url, async (c) => c.query(await fs.readFile(path.join(repoRoot, 'bench', 'baseline.sql'), 'utf8')));
    const machine = await describeMachine(url);
    const commit = await sourceCommit();
    const pgSettings = await readSettings(url);
    const named = await hasNamedClients(url);
    if (wantsPeer('messagedb', 'messagedb-versioned', 'pgq')) log('installing the peers: Message DB (npm @eventide/message-db), PgQ (CREATE EXTENSION pgq)');
    const notAsked = (name: string): Peer => ({ name, version: null, reason: 'not asked for (--only/--appends)' });
    const peers = {
      messageDb: wantsPeer('messagedb', 'messagedb-versioned') ? await installMessageDb(url, db.name) : notAsked('Message DB'),
      pgq: wantsPeer('pgq') ? await installPgq(url) : notAsked('PgQ'),
    };
    for (const p of Object.values(peers)) log(p.reason ? `${p.name}: n/a, ${p.reason}` : `${p.name} ${p.version} installed`);
    const unavailable = await unavailableAppends(url, peers);
    for (const [impl, reason] of Object.entries(unavailable)) if (appendImpls.includes(impl as AppendImplementation) && runs('append')) log(`${APPEND_LABELS[impl as AppendImplementation]}: n/a, ${reason}`);
    const meter = await CpuMeter.create(url, db.cluster.kind === 'local');
    const runStart = meter?.sample();
    const calm = { retries: settings.retries, quiet: QUIET, log };
    const othersNote = (share: number | null | undefined) => (share != null ? `, others used ${Math.round(share * 100)}% CPU` : '');
    log(`${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.postgres}; load ${machine.loadBefore.join(' ')}`);
    log(`settings: ${Object.entries(pgSettings).map(([k, v]) => `${k}=${v}`).join(' ')} (${db.settingsNote})`);
    if (!named) log("get_event(text, integer) is not installed: the get_event('client', n) rows are n/a");

    // Reads first, over exactly the preloaded log; the append runs then grow the tables.
    if (runs('read')) log(`preloading ${settings.events.toLocaleString('en-US')} events (log_event, 1000 per transaction)`);
    let shown = 0;
    if (runs('read')) await preload(url, settings.events, 1000, (done) => {
      if (done - shown >= settings.events / 4 || done === settings.events) {
        shown = done;
        log(`  ${done.toLocaleString('en-US')} events`);
      }
    });

    // An untimed pass of each reader first (plans, caches), then the cells, the order of the
    // implementations turning with each batch size.
    for (const impl of runs('read') ? READ_IMPLEMENTATIONS : []) {
      if (impl !== 'client' || named) await measureRead(url, impl, 1000, 1, `bench_warm_up_${process.pid}`);
    }
    const reads: (ReadCell & { othersCpu: number | null })[] = [];
    for (const [i, batch] of (runs('read') ? settings.batches : []).entries()) {
      const order = READ_IMPLEMENTATIONS.map((_, j) => READ_IMPLEMENTATIONS[(i + j) % READ_IMPLEMENTATIONS.length]);
      for (const impl of order) {
        if (impl === 'client' && !named) continue;
        const { result: cell, othersCpu: others } = await measureCalmly(meter, { ...calm, label: `read ${READ_LABELS[impl]} batch=${batch}` },
          (attempt) => measureRead(url, impl, batch, settings.readSeconds, `bench_read_${batch}_${process.pid}_${attempt}`));
        reads.push({ ...cell, othersCpu: others });
        const cpu = cell.serverCpuUsPerCall !== null ? `, server CPU ${Math.round(cell.serverCpuUsPerCall)} us/call` : '';
        log(`read ${READ_LABELS[impl]} batch=${batch}: ${Math.round(cell.eventsPerSecond)} events/s (${cell.events} events${cell.drained ? '' : ', time cap'}${cpu}${othersNote(others)})`);
      }
    }

    const latencies: (LatencyResult & { othersCpu: number | null })[] = [];
    for (const follower of runs('latency') ? FOLLOWERS : []) {
      if (follower === 'client' && !named) continue;
      const { result: r, othersCpu: others } = await measureCalmly(meter, { ...calm, label: `latency ${FOLLOWER_LABELS[follower]}` },
        () => measureLatency(url, follower, {
          writers: settings.writers,
          seconds: settings.latencySeconds,
          rate: settings.latencyRate,
          pollMs: settings.pollMs,
        }));
      latencies.push({ ...r, othersCpu: others });
      log(`latency ${FOLLOWER_LABELS[follower]}: p50 ${fmtMs(r.p50)} ms, p99 ${fmtMs(r.p99)} ms, ${r.appended} appended, ${r.lost} never read${othersNote(others)}`);
    }

    let served: ServeBenchResult | undefined;
    if (!settings.skipServe && runs('serve')) {
      served = await measureServe(url, { subscribers: settings.serveSubscribers, writers: settings.writers, rate: settings.serveRate, seconds: settings.latencySeconds, log });
      log(`serve to ${served.subscribers} subscribers: p50 ${fmtMs(served.p50)} ms, p99 ${fmtMs(served.p99)} ms, ${served.delivered} of ${served.expected} delivered, server RSS peak ${served.rssPeakMiB ?? 'n/a'} MiB`);
    }

    const appends = !runs('append') ? [] : await measureAppends(url, {
      implementations: appendImpls,
      clients: settings.clients,
      eventsPerTx: settings.eventsPerTx,
      duration: settings.duration,
      rounds: settings.rounds,
      unavailable,
      meter,
      retries: settings.retries,
      quiet: QUIET,
      log,
    });

    const push = o.skipPush || !runs('push') ? undefined : await measurePush(url, {
      writers: settings.writers, ratePerWriter: 100, latencySeconds: settings.latencySeconds, appendClients: 32,
      appendSeconds: Math.max(1, Math.round(settings.duration / 2)), rounds: settings.rounds, idleSeconds: quick ? 1 : 10,
      meter, retries: settings.retries, quiet: QUIET, log,
    });

    // COPY last: a million events each would otherwise grow the tables the other parts measure.
    const copyUnavailable = unavailable.insert ? { eventlog: `COPY takes the INSERT path, and ${unavailable.insert}` } : {};
    const copyDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pgel-bench-copy-'));
    let copies: CopyCell[] = [];
    if (runs('copy')) try {
      const file = path.join(copyDir, 'events.tsv');
      log(`writing ${settings.copyEvents.toLocaleString('en-US')} events for COPY to ${file}`);
      await writeCopyFile(file, settings.copyEvents);
      copies = await measureCopies(url, { file, events: settings.copyEvents, rounds: settings.rounds, unavailable: copyUnavailable, meter, retries: settings.retries, quiet: QUIET, log });
    } finally {
      await fs.remove(copyDir);
    }

    // Change capture and compaction (issue 11), on a scratch database of their own.
    const capture = o.skipCapture || !runs('capture') ? undefined : await measureCapture(db.cluster.url, {
      rows: settings.captureRows, revisions: settings.compactRevisions, duration: settings.duration, rounds: settings.rounds,
      clients: settings.clients.filter((c) => c === 8 || c === 32).length ? settings.clients.filter((c) => c === 8 || c === 32) : settings.clients,
      meter, retries: settings.retries, quiet: QUIET, log,
    });


    // load_stream in a database of its own, holding exactly the streams' log the target names.
    let loadStream: (LoadStreamResult & { othersCpu: number | null }) | string;
    if (o.skipLoadStream || !runs('load_stream')) {
      loadStream = o.skipLoadStream ? 'left out (--skip-load-stream)' : 'left out (--only)';
    } else {
      // The log is built once; only the timed calls are repeated when others disturbed them.
      let others: number | null = null;
      // It runs last, after every other figure: a failure (e.g. no right to create a database on
      // DATABASE_URL's server) shows as n/a with the reason instead of losing the run.
      const result = await measureLoadStreamOrReason(db.cluster.url, {
        events: settings.streamEvents, streams: settings.streams, snapshotAt: Math.ceil(settings.streamEvents / settings.streams / 2),
        seconds: settings.loadStreamSeconds, log,
        around: async (timed) => {
          const calmly = await measureCalmly(meter, { ...calm, label: 'load_stream' }, timed);
          others = calmly.othersCpu;
          return calmly.result;
        },
      });
      if (typeof result === 'string') {
        loadStream = result;
        log(`load_stream: n/a, ${result}`);
      } else {
        loadStream = { ...result, othersCpu: others };
        log(`load_stream: p50 ${fmtMs(result.p50Ms)} ms, p99 ${fmtMs(result.p99Ms)} ms over ${result.calls} calls (log built in ${Math.round(result.setupSeconds)} s)${othersNote(others)}`);
      }
    }

    let rows = [...buildRows(appends, copies, reads, latencies, settings, named, unavailable, copyUnavailable), ...(capture ? captureRows(capture, busy) : [])];
    rows.push(loadStreamRow(loadStream));
    // --only and --appends: the rows of what ran, not a table of n/a.
    rows = rows.filter((r) => runs(r.test === 'compact' ? 'capture' : r.test)
      && (r.test !== 'append' || appendImpls.some((impl) => APPEND_LABELS[impl] === r.implementation)));
    if (push) rows.push(...pushRows(push, { writers: settings.writers, ratePerWriter: 100, appendClients: 32 }, QUIET));
    if (served) rows.push(serveRow(served, settings.writers, settings.serveRate));
    const elapsed = (Date.now() - t0) / 1000;
    const loadAfter = os.loadavg().map((l) => Math.round(l * 100) / 100);
    const othersCpu = runStart && meter ? CpuMeter.othersShare(runStart, meter.sample()) : null;
    const cellShares = [...appends, ...copies, ...reads, ...latencies, ...(typeof loadStream === 'string' ? [] : [loadStream])].map((c) => c.othersCpu).filter((x): x is number => x !== null);
    const othersCpuMax = cellShares.length ? Math.max(...cellShares) : null;
    const othersLine = othersCpu === null
      ? 'CPU used by other processes: not measured (the server is not a local process of this run)'
      : `CPU used by other processes: ${pct(othersCpu)} of the machine over the run, at most ${pct(othersCpuMax)} during one figure` +
            (othersCpuMax !== null && othersCpuMax >= QUIET
          ? ` (figures marked "busy": others took ${pct(QUIET)} or more even in the least disturbed of ${settings.retries + 1} attempts; re-run on a quieter machine)`
          : '');
    console.log(textTable(rows, columns));
    console.log('');
    console.log(`machine:  ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.postgres}, pg-eventlog ${db.version} (${commit})`);
    console.log(`peers:    ${peerLine(peers)}`);
    console.log(`settings: ${Object.entries(pgSettings).map(([k, v]) => `${k}=${v}`).join(', ')}`);
    console.log(`          ${db.settingsNote}`);
    console.log(`load:     average before ${machine.loadBefore.join(' ')}, after ${loadAfter.join(' ')} (1, 5, 15 min); run took ${Math.round(elapsed)} s`);
    console.log(`          ${othersLine}`);

    const report = {
      date: started.toISOString(),
      command,
      elapsedSeconds: Math.round(elapsed),
      machine: { ...machine, loadAfter, othersCpu, othersCpuMax, othersLine },
      postgresSettings: pgSettings,
      settingsNote: db.settingsNote,
      server: db.cluster.kind,
      pgEventlogVersion: db.version,
      commit,
      namedClients: named,
      peers,
      options: settings,
      rows,
      raw: { appends, copies, reads, latencies, capture, loadStream, push, served },
    };
    // The partitioned log's curve (issue 12), in a scratch database of its own.
    if (!o.skipPartitions && runs('partitions')) await partitionSection({ quick, sizes: o.partitionSizes, clients: 32, asProvided: o.asProvided, log });
    if (o.json) await fs.outputFile(path.resolve(o.json), JSON.stringify(report, null, 2) + '\n');
    if (o.markdown) await writeMarkdown(path.resolve(o.markdown), report);
    return 0;
  } finally {
    removeInterrupt();
    await db?.close();
  }
}

type Settings = {
  clients: number[];
  eventsPerTx: number[];
  copyEvents: number;
  rounds: number;
  readSeconds: number;
  latencyRate: number;
  writers: number;
  batches: number[];
};

/** A figure taken while other processes used this share of the machine's CPU or more is marked busy. */
const QUIET = 0.1;
const pct = (share: number | null) => (share === null ? 'n/a' : `${Math.round(share * 100)}%`);
const busy = (share: number | null) => (share !== null && share >= QUIET ? `busy: others used ${pct(share)} CPU` : '');
const joinNotes = (...notes: (string | undefined)[]) => notes.filter(Boolean).join('; ') || undefined;

function buildRows(
  appends: AppendCell[],
  copies: CopyCell[],
  reads: (ReadCell & { othersCpu: number | null })[],
  latencies: (LatencyResult & { othersCpu: number | null })[],
  settings: Settings,
  named: boolean,
  unavailable: Partial<Record<AppendImplementation, string>>,
  copyUnavailable: Partial<Record<CopyCell['impl'], string>>,
): Row[] {
  const rows: Row[] = [];
  for (const clients of settings.clients) for (const eventsPerTx of settings.eventsPerTx) {
    const base = appends.find((a) => a.impl === 'plain' && a.clients === clients && a.eventsPerTx === eventsPerTx);
    for (const impl of APPEND_IMPLEMENTATIONS) {
      const a = appends.find((x) => x.impl === impl && x.clients === clients && x.eventsPerTx === eventsPerTx);
      if (!a) {
        rows.push({
          test: 'append', implementation: APPEND_LABELS[impl], clients, size: eventsPerTx, eventsPerSecond: null, ratio: null, baseline: false,
          note: `n/a: ${unavailable[impl] ?? 'not measured'}`,
        });
        continue;
      }
      rows.push({
        test: 'append',
        implementation: APPEND_LABELS[impl],
        clients: a.clients,
        size: a.eventsPerTx,
        eventsPerSecond: a.eventsPerSecond,
        ratio: base ? a.eventsPerSecond / base.eventsPerSecond : null,
        baseline: impl === 'plain',
        note: joinNotes(busy(a.othersCpu)),
      });
    }
  }
  const copyBase = copies.find((c) => c.impl === 'plain');
  for (const impl of COPY_IMPLEMENTATIONS) {
    const c = copies.find((x) => x.impl === impl);
    rows.push(c
      ? {
        test: 'copy', implementation: COPY_LABELS[impl], clients: 1, size: settings.copyEvents,
        eventsPerSecond: c.eventsPerSecond, ratio: copyBase ? c.eventsPerSecond / copyBase.eventsPerSecond : null, baseline: impl === 'plain',
        note: joinNotes(`${settings.rounds} × ${settings.copyEvents.toLocaleString('en-US')} events in ${c.seconds.toFixed(1)} s`, busy(c.othersCpu)),
      }
      : {
        test: 'copy', implementation: COPY_LABELS[impl], clients: 1, size: settings.copyEvents, eventsPerSecond: null, ratio: null, baseline: false,
        note: `n/a: ${copyUnavailable[impl] ?? 'not measured'}`,
      });
  }
  for (const batch of settings.batches) {
    const base = reads.find((r) => r.impl === 'keyset' && r.batch === batch);
    for (const impl of READ_IMPLEMENTATIONS) {
      const r = reads.find((x) => x.impl === impl && x.batch === batch);
      if (!r) {
        rows.push({
          test: 'read', implementation: READ_LABELS[impl], clients: 1, size: batch, eventsPerSecond: null, ratio: null, baseline: false,
          note: impl === 'client' && !named ? 'n/a: get_event(text, integer) not installed' : 'n/a',
        });
        continue;
      }
      rows.push({
        test: 'read',
        implementation: READ_LABELS[impl],
        clients: 1,
        size: batch,
        eventsPerSecond: r.eventsPerSecond,
        ratio: base ? r.eventsPerSecond / base.eventsPerSecond : null,
        baseline: impl === 'keyset',
        note: joinNotes(
          r.drained ? `drained ${r.events.toLocaleString('en-US')}` : `${r.events.toLocaleString('en-US')} in ${settings.readSeconds} s cap`,
          r.serverCpuUsPerCall !== null ? `server CPU ${Math.round(r.serverCpuUsPerCall)} µs/call` : undefined,
          busy(r.othersCpu),
        ),
      });
    }
  }
  const rate = settings.latencyRate > 0 ? `${settings.latencyRate}/s` : 'flat out';
  for (const follower of FOLLOWERS) {
    const l = latencies.find((x) => x.follower === follower);
    if (!l) {
      rows.push({
        test: 'latency', implementation: FOLLOWER_LABELS[follower], clients: settings.writers, size: 1000, eventsPerSecond: null, ratio: null, baseline: false,
        note: follower === 'client' && !named ? 'n/a: get_event(text, integer) not installed' : 'n/a',
      });
      continue;
    }
    rows.push({
      test: 'latency',
      implementation: FOLLOWER_LABELS[follower],
      clients: settings.writers,
      size: 1000,
      eventsPerSecond: l.appendsPerSecond,
      ratio: null,
      baseline: false,
      p50Ms: l.p50,
      p99Ms: l.p99,
      note: joinNotes(
        `${settings.writers} writers at ${rate}`,
        l.lost > 0 ? `LOST ${l.lost} of ${l.appended}` : `read all ${l.appended}`,
        busy(l.othersCpu),
      ),
    });
  }
  return rows;
}

/** The load_stream line: a 100-event stream's snapshot and the events after it, p50 and p99 of a call. */
function loadStreamRow(r: (LoadStreamResult & { othersCpu: number | null }) | string): Row {
  const implementation = 'load_stream (snapshot + events after it)';
  if (typeof r === 'string') {
    return { test: 'load_stream', implementation, clients: 1, size: 100, eventsPerSecond: null, ratio: null, baseline: false, note: `n/a: ${r}` };
  }
  return {
    test: 'load_stream',
    implementation,
    clients: 1,
    size: r.eventsPerStream,
    eventsPerSecond: null,
    ratio: null,
    baseline: false,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    note: joinNotes(
      `${r.eventsPerStream}-event streams, snapshot at ${r.snapshotAt}, ${r.rowsPerCall} rows per call; ${r.events.toLocaleString('en-US')} events across ${r.streams.toLocaleString('en-US')} streams`,
      `${r.calls.toLocaleString('en-US')} calls, max ${fmtMs(r.maxMs)} ms`,
      r.serverCpuUsPerCall !== null ? `server CPU ${Math.round(r.serverCpuUsPerCall)} µs/call` : undefined,
      busy(r.othersCpu),
    ),
  };
}

/** The serve row: latency through serve to N subscribers, the server's memory in the note. */
function serveRow(s: ServeBenchResult, writers: number, rate: number): Row {
  return {
    test: 'serve',
    implementation: `serve → ${s.subscribers} SSE subscribers`,
    clients: writers,
    size: s.subscribers,
    eventsPerSecond: s.appendsPerSecond,
    ratio: null,
    baseline: false,
    p50Ms: s.p50,
    p99Ms: s.p99,
    note: joinNotes(
      `${writers} writers at ${rate}/s`,
      s.delivered < s.expected ? `MISSING ${s.expected - s.delivered} of ${s.expected} deliveries` : `delivered all ${s.expected}`,
      `server RSS peak ${s.rssPeakMiB ?? 'n/a'} MiB, ${s.rssMiB ?? 'n/a'} MiB at the end`,
    ),
  };
}

/** "Message DB 1.3.0 (npm …), PgQ 3.5", or the reason one is n/a. */
function peerLine(peers: Record<string, Peer>): string {
  return Object.values(peers).map((p) => (p.reason ? `${p.name} n/a (${p.reason})` : `${p.name} ${p.version}`)).join(', ');
}

/** The source the migrations came from: "commit 1a2b3c4", plus a warning when src/sql has uncommitted changes. */
async function sourceCommit(): Promise<string> {
  const git = $({ cwd: repoRoot, quiet: true, nothrow: true });
  const head = (await git`git rev-parse --short HEAD`).stdout.trim();
  if (!head) return 'not a git checkout';
  const dirty = (await git`git status --porcelain -- src/sql`).stdout.trim();
  return `commit ${head}${dirty ? ', with uncommitted changes in src/sql' : ''}`;
}

const BEGIN = '<!-- BEGIN GENERATED BY make bench: everything up to END is rewritten by --markdown -->';
const END = '<!-- END GENERATED -->';

async function writeMarkdown(file: string, report: {
  date: string; command: string; elapsedSeconds: number; machine: Awaited<ReturnType<typeof describeMachine>> & { loadAfter: number[]; othersLine: string };
  postgresSettings: Record<string, string>; settingsNote: string; server: string; pgEventlogVersion: string | null; commit: string; namedClients: boolean;
  peers: Record<string, Peer>;
  options: Record<string, unknown>; rows: Row[];
}): Promise<void> {
  const m = report.machine;
  const generated = [
    BEGIN,
    '',
    `Measured ${report.date.slice(0, 16).replace('T', ' ')} UTC with \`${report.command}\` (${report.elapsedSeconds} s), pg-eventlog ${report.pgEventlogVersion} (${report.commit}).`,
    '',
    markdownTable(report.rows, columns),
    '',
    '| machine | |',
    '|:---|:---|',
    `| CPU | ${m.cores} cores, ${m.cpu} |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| OS | ${m.os} |`,
    `| PostgreSQL | ${m.postgres} (${report.server === 'url' ? "DATABASE_URL's server" : `throwaway ${report.server} cluster from the harness`}) |`,
    `| settings | ${Object.entries(report.postgresSettings).map(([k, v]) => `${k}=${v}`).join(', ')} |`,
    `| | ${report.settingsNote} |`,
    `| load average (1, 5, 15 min) | before ${m.loadBefore.join(' ')}, after ${m.loadAfter.join(' ')} (the bench's own clients count too) |`,
    `| other processes | ${m.othersLine.replace(/^CPU used by other processes: /, '')} |`,
    `| peers | ${peerLine(report.peers)}, installed at bench time into the same database |`,
    `| client | Node ${m.node}, pgbench and psql from the same PostgreSQL, on the same machine |`,
    `| sizes | ${Object.entries(report.options).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`).join(', ')} |`,
    '',
    END,
  ].join('\n');
  let text: string;
  const existing = (await fs.pathExists(file)) ? await fs.readFile(file, 'utf8') : undefined;
  if (existing && existing.includes(BEGIN) && existing.includes(END)) {
    text = existing.slice(0, existing.indexOf(BEGIN)) + generated + existing.slice(existing.indexOf(END) + END.length);
  } else {
    text = `# Benchmarks\n\nProduced by \`make bench\` (scripts/bench.ts).\n\n${generated}\n`;
  }
  await fs.outputFile(file, text);
}

try {
  process.exitCode = await main(process.argv);
} catch (err) {
  console.error(`bench: ${(err as Error).message}`);
  process.exitCode = 1;
}
