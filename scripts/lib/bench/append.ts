// Append throughput with pgbench: the scripts in bench/append-<implementation>-<events>.sql, each
// one statement (one round trip) per transaction, run with the extended protocol and prepared
// statements (-M prepared) for every implementation alike.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findPostgresBindir, pgEnv, repoRoot, withClient } from '../database.ts';
import { measureCalmly, type CpuMeter } from './cpu.ts';

export const APPEND_IMPLEMENTATIONS = ['plain', 'ordered', 'eventlog', 'serialized'] as const;
export type AppendImplementation = (typeof APPEND_IMPLEMENTATIONS)[number];

export const APPEND_LABELS: Record<AppendImplementation, string> = {
  plain: 'plain INSERT',
  ordered: 'INSERT + (tx_order, etag) index',
  eventlog: 'pg-eventlog log_event',
  serialized: 'advisory lock to commit',
};

export function appendScript(impl: AppendImplementation, eventsPerTx: number): string {
  const file = path.join(repoRoot, 'bench', `append-${impl}-${eventsPerTx}.sql`);
  if (!existsSync(file)) throw new Error(`no pgbench script ${path.relative(repoRoot, file)} (events per transaction: 1 or 10)`);
  return file;
}

const children = new Set<ChildProcess>();
/** Stops every pgbench still running (on an interrupt, and at exit). */
export function stopChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}
process.on('exit', stopChildren);

let pgbenchPath: Promise<string> | undefined;
export function findPgbench(): Promise<string> {
  pgbenchPath ??= findPostgresBindir().then((dir) => {
    const candidate = dir && path.join(dir, 'pgbench');
    return candidate && existsSync(candidate) ? candidate : 'pgbench';
  });
  return pgbenchPath;
}

export interface PgbenchResult {
  transactions: number;
  failed: number;
  /** Transactions per second, without the initial connection time (pgbench's own figure). */
  tps: number;
  seconds: number;
}

/** Runs `pgbench -n -M prepared -c clients -j threads -T seconds -f script` against url. */
export async function runPgbench(url: string, script: string, clients: number, seconds: number): Promise<PgbenchResult> {
  const bin = await findPgbench();
  const threads = Math.min(clients, 2);
  const args = ['-n', '-M', 'prepared', '-c', String(clients), '-j', String(threads), '-T', String(seconds), '-f', script];
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(bin, args, { env: { ...process.env, ...pgEnv(url) }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    child.on('error', (e) => {
      children.delete(child);
      reject(new Error(`could not run ${bin}: ${e.message}`));
    });
    child.on('close', (c) => {
      children.delete(child);
      resolve({ code: c, stdout: out, stderr: err });
    });
  });
  const num = (re: RegExp) => {
    const m = stdout.match(re);
    return m ? Number(m[1]) : NaN;
  };
  const transactions = num(/number of transactions actually processed: (\d+)/);
  const failed = num(/number of failed transactions: (\d+)/) || 0;
  const tps = num(/tps = ([\d.]+) \(without initial connection time\)/);
  if (code !== 0 || !Number.isFinite(tps)) {
    const tail = (stderr.trim() || stdout.trim()).split('\n').slice(-3).join(' | ');
    throw new Error(`pgbench ${path.basename(script)} -c ${clients} failed (exit ${code}): ${tail}`);
  }
  if (failed > 0) throw new Error(`pgbench ${path.basename(script)} -c ${clients}: ${failed} transactions failed`);
  return { transactions, failed, tps, seconds };
}

export interface AppendCell {
  impl: AppendImplementation;
  clients: number;
  eventsPerTx: number;
  transactions: number;
  seconds: number;
  eventsPerSecond: number;
  /** Highest share of the machine's CPU other processes took during one of this cell's runs (null: unknown). */
  othersCpu: number | null;
}

export interface AppendOptions {
  clients: number[];
  eventsPerTx: number[];
  /** Seconds per cell, split over `rounds` runs. */
  duration: number;
  rounds: number;
  meter?: CpuMeter;
  /** Repeat a run disturbed by other processes (see measureCalmly) up to this many times. */
  retries?: number;
  quiet?: number;
  log?: (message: string) => void;
}

/**
 * Every (clients, events/tx) cell for every implementation. Implementations alternate within a
 * client count, and the order reverses each round (ABCD, DCBA, ...), so slow drift (table growth,
 * autovacuum, the machine's other load) falls on all of them alike. A CHECKPOINT before every
 * run gives each the same start: no checkpoint debt left by the previous run.
 */
export async function measureAppends(url: string, options: AppendOptions): Promise<AppendCell[]> {
  const log = options.log ?? (() => {});
  const perRun = Math.max(1, Math.round(options.duration / options.rounds));
  const cells = new Map<string, AppendCell>();
  for (const clients of options.clients) {
    for (const eventsPerTx of options.eventsPerTx) {
      for (let round = 0; round < options.rounds; round++) {
        const order = round % 2 === 0 ? [...APPEND_IMPLEMENTATIONS] : [...APPEND_IMPLEMENTATIONS].reverse();
        for (const impl of order) {
          const label = `append ${APPEND_LABELS[impl]} clients=${clients} events/tx=${eventsPerTx} round ${round + 1}`;
          const { result: r, othersCpu: others } = await measureCalmly(
            options.meter,
            { retries: options.retries ?? 0, quiet: options.quiet ?? 0.1, label, log },
            async () => {
              // CHECKPOINT needs superuser or pg_checkpoint; without it, runs start wherever they are.
              await withClient(url, (c) => c.query('CHECKPOINT')).catch(() => {});
              return runPgbench(url, appendScript(impl, eventsPerTx), clients, perRun);
            },
          );
          const key = `${impl}/${clients}/${eventsPerTx}`;
          const cell = cells.get(key) ?? { impl, clients, eventsPerTx, transactions: 0, seconds: 0, eventsPerSecond: 0, othersCpu: null };
          if (others !== null) cell.othersCpu = Math.max(cell.othersCpu ?? 0, others);
          // Combine rounds by time: total transactions over total seconds, each at pgbench's rate.
          cell.transactions += r.transactions;
          cell.seconds += r.transactions / r.tps;
          cell.eventsPerSecond = (cell.transactions * eventsPerTx) / cell.seconds;
          cells.set(key, cell);
          log(`${label}: ${Math.round(r.tps * eventsPerTx)} events/s${others === null ? '' : `, others used ${Math.round(others * 100)}% CPU`}`);
        }
      }
    }
  }
  return [...cells.values()];
}
