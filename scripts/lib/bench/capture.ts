// Change capture and compaction (issue 11), on a scratch database of their own so that neither
// the log the readers drain nor the appends' tables change under them.
//
//   capture  pgbench, 8 and 32 clients, each transaction one UPDATE of a random row of a 100k-row
//            table (--capture-rows): the untracked table (the baseline, ratio 1.00), the same table
//            tracked by track_table, and the original "replication log gadget": a row trigger that
//            takes one advisory lock held to commit and inserts the change into a change-log table.
//            The three implementations alternate within a client count, the order reversing each
//            round, as the append rows do. Targets: tracked ≥ 0.5× untracked, ≥ 3× the gadget.
//   compact  a tracked table whose rows were updated until --compact-revisions superseded
//            revisions are in the log (bulk UPDATEs through the capture triggers), then: 8 clients
//            of log_event alone; compact('0') in batches of 10,000 alone; the same
//            8 appenders while compaction goes on; compaction to the end; the appenders alone
//            again. Rows: compaction's revisions removed per second alone and beside the
//            appenders, and the appenders' rate beside compaction against their rate alone.
//            Compaction runs alone until half the revisions are removed, then beside the appenders;
//            with few revisions (--quick) it may finish before their run does (the overlap is shown).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { install } from '../../../src/install/index.ts';
import { createDatabase, dropDatabase, pgEnv, repoRoot } from '../database.ts';
import { findPgbench, runPgbench, type PgbenchResult } from './append.ts';
import { measureCalmly, type CpuMeter } from './cpu.ts';
import type { Row } from '../../bench.ts';

export const CAPTURE_IMPLEMENTATIONS = ['untracked', 'tracked', 'gadget'] as const;
export type CaptureImplementation = (typeof CAPTURE_IMPLEMENTATIONS)[number];

export const CAPTURE_LABELS: Record<CaptureImplementation, string> = {
  untracked: 'UPDATE, untracked table',
  tracked: 'UPDATE, tracked table (track_table)',
  gadget: 'UPDATE, advisory lock to commit + change-log insert',
};

export interface CaptureCell {
  impl: CaptureImplementation;
  clients: number;
  transactions: number;
  seconds: number;
  updatesPerSecond: number;
  /** Transactions pgbench retried after a serialization failure (--max-tries). */
  retried: number;
  othersCpu: number | null;
}

export interface CompactResult {
  revisions: number;
  setupSeconds: number;
  /** Revisions removed per second by compact() alone, and while 8 appenders ran. */
  aloneRate: number | null;
  besideRate: number | null;
  /** Seconds of the appenders' run during which compaction was still going. */
  overlapSeconds: number;
  totalSeconds: number;
  removed: number;
  appendAlone: number;
  appendBeside: number;
  appenders: number;
  othersCpu: number | null;
}

export interface CaptureOptions {
  rows: number;
  revisions: number;
  clients: number[];
  /** Seconds per capture cell, split over rounds; also the length of each compaction phase. */
  duration: number;
  rounds: number;
  meter?: CpuMeter;
  retries?: number;
  quiet?: number;
  log?: (message: string) => void;
  /** Leave out the compaction part (scripts/bench-capture.ts --skip-compact). */
  skipCompact?: boolean;
}

const SETUP = (rows: number) => `
CREATE SCHEMA bench_capture;
CREATE TABLE bench_capture.untracked (id integer PRIMARY KEY, n integer NOT NULL, note text NOT NULL, revision integer);
CREATE TABLE bench_capture.tracked (LIKE bench_capture.untracked INCLUDING ALL);
CREATE TABLE bench_capture.gadget (LIKE bench_capture.untracked INCLUDING ALL);
-- The original design: one lock for every writer of the table, held to commit, so that the
-- change log's sequence is in commit order; the change row is written in the same transaction.
CREATE TABLE bench_capture.gadget_log (
  seq bigserial PRIMARY KEY, tbl text NOT NULL, key jsonb NOT NULL, op text NOT NULL, revision integer NOT NULL,
  payload jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE FUNCTION bench_capture.tg_gadget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_catalog.pg_advisory_xact_lock(7310599478223106051);
  NEW.revision := coalesce(OLD.revision, 0) + 1;
  INSERT INTO bench_capture.gadget_log (tbl, key, op, revision, payload)
  VALUES ('bench_capture.gadget', jsonb_build_array(NEW.id), lower(tg_op), NEW.revision, to_jsonb(NEW));
  RETURN NEW;
END;
$$;
CREATE TRIGGER gadget BEFORE UPDATE ON bench_capture.gadget FOR EACH ROW EXECUTE FUNCTION bench_capture.tg_gadget();
INSERT INTO bench_capture.untracked SELECT g, 0, 'row ' || g, 1 FROM generate_series(1, ${rows}) AS g;
INSERT INTO bench_capture.tracked SELECT * FROM bench_capture.untracked;
INSERT INTO bench_capture.gadget SELECT * FROM bench_capture.untracked;
SELECT eventlog.track_table('bench_capture.tracked');
`;

const updateScript = (impl: CaptureImplementation) => `-- One UPDATE of a random row (${impl}).
\\set id random(1, :rows)
UPDATE bench_capture.${impl} SET n = n + 1 WHERE id = :id;
`;

/** pgbench with retries of serialization failures, which tracked rows raise when two writers race (docs/capture.md). */
async function pgbenchWithRetries(url: string, script: string, clients: number, seconds: number, defines: Record<string, string>): Promise<PgbenchResult & { retried: number }> {
  const bin = await findPgbench();
  const args = ['-n', '-M', 'prepared', '--max-tries', '10', '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(seconds), '-f', script];
  for (const [k, v] of Object.entries(defines)) args.push('-D', `${k}=${v}`);
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(bin, args, { env: { ...process.env, ...pgEnv(url) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  const num = (re: RegExp) => Number(stdout.match(re)?.[1] ?? NaN);
  const tps = num(/tps = ([\d.]+) \(without initial connection time\)/);
  if (code !== 0 || !Number.isFinite(tps)) {
    throw new Error(`pgbench ${path.basename(script)} -c ${clients} failed (exit ${code}): ${(stderr.trim() || stdout.trim()).split('\n').slice(-3).join(' | ')}`);
  }
  const failed = num(/number of failed transactions: (\d+)/) || 0;
  if (failed > 0) throw new Error(`pgbench ${path.basename(script)} -c ${clients}: ${failed} transactions failed after 10 tries`);
  return { transactions: num(/number of transactions actually processed: (\d+)/), failed, tps, seconds, retried: num(/number of transactions retried: (\d+)/) || 0 };
}

/** Runs both parts on a scratch database of adminUrl's server, dropped afterwards. */
export async function measureCapture(adminUrl: string, options: CaptureOptions): Promise<{ cells: CaptureCell[]; compact?: CompactResult }> {
  const log = options.log ?? (() => {});
  const name = `pgel_bench_capture_${process.pid}_${Date.now().toString(36)}`;
  const url = await createDatabase(adminUrl, name);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pgel-bench-capture-'));
  try {
    await install({ databaseUrl: url });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      log(`capture: ${options.rows.toLocaleString('en-US')} rows in each of three tables; track_table backfills one of them`);
      await client.query(SETUP(options.rows));
      await client.query('VACUUM ANALYZE bench_capture.untracked, bench_capture.tracked, bench_capture.gadget');
    } finally {
      await client.end();
    }
    const scripts = {} as Record<CaptureImplementation, string>;
    for (const impl of CAPTURE_IMPLEMENTATIONS) {
      scripts[impl] = path.join(dir, `update-${impl}.sql`);
      await writeFile(scripts[impl], updateScript(impl));
    }
    const cells = await measureUpdates(url, scripts, options, log);
    const compact = options.skipCompact ? undefined : await measureCompaction(url, options, log);
    return { cells, compact };
  } finally {
    await rm(dir, { recursive: true, force: true });
    await dropDatabase(adminUrl, name).catch((err) => log(`could not drop ${name}: ${(err as Error).message}`));
  }
}

async function measureUpdates(url: string, scripts: Record<CaptureImplementation, string>, options: CaptureOptions, log: (m: string) => void): Promise<CaptureCell[]> {
  const perRun = Math.max(1, Math.round(options.duration / options.rounds));
  const cells = new Map<string, CaptureCell>();
  for (const clients of options.clients) {
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? CAPTURE_IMPLEMENTATIONS : [...CAPTURE_IMPLEMENTATIONS].reverse();
      for (const impl of order) {
        const label = `capture ${CAPTURE_LABELS[impl]} clients=${clients} round ${round + 1}`;
        const { result: r, othersCpu } = await measureCalmly(options.meter, { retries: options.retries ?? 0, quiet: options.quiet ?? 0.1, label, log },
          () => pgbenchWithRetries(url, scripts[impl], clients, perRun, { rows: String(options.rows) }));
        const key = `${impl}/${clients}`;
        const cell = cells.get(key) ?? { impl, clients, transactions: 0, seconds: 0, updatesPerSecond: 0, retried: 0, othersCpu: null };
        if (othersCpu !== null) cell.othersCpu = Math.max(cell.othersCpu ?? 0, othersCpu);
        cell.transactions += r.transactions;
        cell.seconds += r.transactions / r.tps;
        cell.retried += r.retried;
        cell.updatesPerSecond = cell.transactions / cell.seconds;
        cells.set(key, cell);
        log(`${label}: ${Math.round(r.tps)} updates/s${r.retried ? `, ${r.retried} retried` : ''}`);
      }
    }
  }
  return [...cells.values()];
}

async function measureCompaction(url: string, options: CaptureOptions, log: (m: string) => void): Promise<CompactResult> {
  const rows = Math.max(1, Math.min(options.rows, options.revisions));
  const updates = Math.max(1, Math.ceil(options.revisions / rows));
  const revisions = rows * updates; // the backfill's revision 1 and all but the last update are superseded
  const appenders = 8;
  const seconds = Math.max(1, options.duration);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const t0 = Date.now();
    log(`compact: ${rows.toLocaleString('en-US')} tracked rows, ${updates} bulk UPDATEs: ${revisions.toLocaleString('en-US')} superseded revisions`);
    // The capture cells' revisions are not part of this figure: stop tracking that table.
    await client.query(`SELECT eventlog.untrack_table('bench_capture.tracked')`);
    await client.query(`CREATE TABLE bench_capture.compacted (id integer PRIMARY KEY, n integer NOT NULL, note text NOT NULL)`);
    await client.query(`INSERT INTO bench_capture.compacted SELECT g, 0, 'row ' || g FROM generate_series(1, ${rows}) AS g`);
    await client.query(`SELECT eventlog.track_table('bench_capture.compacted')`);
    for (let u = 0; u < updates; u++) await client.query('UPDATE bench_capture.compacted SET n = n + 1');
    await client.query('VACUUM ANALYZE eventlog.events');
    const setupSeconds = (Date.now() - t0) / 1000;

    const append = path.join(repoRoot, 'bench', 'append-eventlog-1.sql');
    const appendAlone = () => runPgbench(url, append, appenders, seconds, { role: 'eventlog_writer' });
    const before = await appendAlone();

    // Compaction in autocommit batches, counted as it goes.
    let removed = 0;
    let done = false;
    const marks: { at: number; removed: number }[] = [];
    const compactor = new pg.Client({ connectionString: url });
    await compactor.connect();
    // Alone until half the revisions are gone (or the pass is done), then beside the appenders.
    let halfway: () => void = () => {};
    const half = new Promise<void>((resolve) => (halfway = resolve));
    const compacting = (async () => {
      marks.push({ at: Date.now(), removed: 0 });
      while (!done) {
        const { rows: [r] } = await compactor.query<{ revisions_removed: string; done: boolean }>(
          `SELECT revisions_removed, done FROM eventlog.compact('0', NULL, 10000)`);
        removed += Number(r.revisions_removed);
        done = r.done;
        marks.push({ at: Date.now(), removed });
        if (removed >= revisions / 2 || done) halfway();
      }
    })();
    const removedAt = (at: number) => {
      // Linear between the two marks around `at`.
      const i = marks.findIndex((m) => m.at >= at);
      if (i <= 0) return i === 0 ? marks[0].removed : removed;
      const a = marks[i - 1];
      const b = marks[i];
      return a.removed + ((b.removed - a.removed) * (at - a.at)) / Math.max(1, b.at - a.at);
    };
    const start = Date.now();
    await half;
    const besideStart = Date.now();
    const { result: beside, othersCpu } = await measureCalmly(options.meter, { retries: 0, quiet: options.quiet ?? 0.1, label: 'compact beside appenders', log },
      () => runPgbench(url, append, appenders, seconds, { role: 'eventlog_writer' }));
    const besideEnd = Date.now();
    await compacting;
    const end = Date.now();
    await compactor.end();
    const after = await appendAlone();

    const compactEnd = marks[marks.length - 1].at;
    const aloneMs = Math.min(besideStart, compactEnd) - start;
    const overlapMs = Math.max(0, Math.min(besideEnd, compactEnd) - besideStart);
    const aloneRemoved = removedAt(Math.min(besideStart, compactEnd));
    const besideRemoved = removedAt(Math.min(besideEnd, compactEnd)) - aloneRemoved;
    const result: CompactResult = {
      revisions,
      setupSeconds,
      aloneRate: aloneMs > 50 ? aloneRemoved / (aloneMs / 1000) : null,
      besideRate: overlapMs > 50 ? besideRemoved / (overlapMs / 1000) : null,
      overlapSeconds: overlapMs / 1000,
      totalSeconds: (end - start) / 1000,
      removed,
      appendAlone: (before.tps + after.tps) / 2,
      appendBeside: beside.tps,
      appenders,
      othersCpu,
    };
    log(`compact: removed ${removed.toLocaleString('en-US')} of ${revisions.toLocaleString('en-US')} in ${result.totalSeconds.toFixed(1)} s; ` +
      `alone ${Math.round(result.aloneRate ?? 0)}/s, beside ${appenders} appenders ${Math.round(result.besideRate ?? 0)}/s (${result.overlapSeconds.toFixed(1)} s overlap); ` +
      `appends ${Math.round(result.appendAlone)}/s alone, ${Math.round(result.appendBeside)}/s beside compaction`);
    return result;
  } finally {
    await client.end();
  }
}

/** The table rows: capture cells (ratio to the untracked table; the note has the ratio to the gadget) and compaction. */
export function captureRows(result: { cells: CaptureCell[]; compact?: CompactResult }, busy: (share: number | null) => string): Row[] {
  const rows: Row[] = [];
  const join = (...notes: (string | undefined)[]) => notes.filter(Boolean).join('; ') || undefined;
  const clientCounts = [...new Set(result.cells.map((c) => c.clients))];
  for (const clients of clientCounts) {
    const find = (impl: CaptureImplementation) => result.cells.find((c) => c.impl === impl && c.clients === clients);
    const base = find('untracked');
    const gadget = find('gadget');
    for (const impl of CAPTURE_IMPLEMENTATIONS) {
      const c = find(impl);
      if (!c) continue;
      rows.push({
        test: 'capture',
        implementation: CAPTURE_LABELS[impl],
        clients,
        size: 1,
        eventsPerSecond: c.updatesPerSecond,
        ratio: base ? c.updatesPerSecond / base.updatesPerSecond : null,
        baseline: impl === 'untracked',
        note: join(
          impl === 'tracked' && gadget ? `${(c.updatesPerSecond / gadget.updatesPerSecond).toFixed(2)}× the advisory-lock design` : undefined,
          'updates/s',
          c.retried ? `${c.retried} retried (40001)` : undefined,
          busy(c.othersCpu),
        ),
      });
    }
  }
  const k = result.compact;
  if (!k) return rows;
  const of = `${k.removed.toLocaleString('en-US')} of ${k.revisions.toLocaleString('en-US')} superseded revisions in ${k.totalSeconds.toFixed(1)} s`;
  rows.push({
    test: 'compact', implementation: 'compact(), alone', clients: 1, size: 10000, eventsPerSecond: k.aloneRate, ratio: null, baseline: false,
    note: join('revisions removed/s', k.aloneRate === null ? 'n/a: compaction finished at once' : undefined, of),
  });
  rows.push({
    test: 'compact', implementation: `compact(), beside ${k.appenders} log_event clients`, clients: 1, size: 10000, eventsPerSecond: k.besideRate,
    ratio: k.aloneRate && k.besideRate ? k.besideRate / k.aloneRate : null, baseline: false,
    note: join('revisions removed/s; ratio to alone', k.besideRate === null ? 'n/a: compaction had finished before the appenders started' : `${k.overlapSeconds.toFixed(1)} s overlap`),
  });
  rows.push({
    test: 'compact', implementation: 'log_event, compaction idle', clients: k.appenders, size: 1, eventsPerSecond: k.appendAlone, ratio: null, baseline: true,
    note: 'mean of a run before and one after the compaction',
  });
  rows.push({
    test: 'compact', implementation: 'log_event, compaction running', clients: k.appenders, size: 1, eventsPerSecond: k.appendBeside,
    ratio: k.appendAlone ? k.appendBeside / k.appendAlone : null, baseline: false,
    note: join(`compaction ran ${k.overlapSeconds.toFixed(1)} s of the run`, busy(k.othersCpu)),
  });
  return rows;
}
