// Append throughput with pgbench: the scripts in bench/append-<implementation>-<events>.sql, each
// one statement (one round trip) per transaction, run with the extended protocol and prepared
// statements (-M prepared) for every implementation alike. pg-eventlog's rows and the peers run as
// their writer roles (what a user gets), the baselines as the bench's own user.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findPostgresBindir, pgEnv, repoRoot, withClient } from '../database.ts';
import { measureCalmly, type CpuMeter } from './cpu.ts';

/** In the order of the table (and of the runs in a round). */
export const APPEND_IMPLEMENTATIONS = [
  'plain', 'ordered', 'partitioned', 'insert', 'eventlog', 'stream', 'serialized', 'messagedb', 'messagedb-versioned', 'pgq',
] as const;
export type AppendImplementation = (typeof APPEND_IMPLEMENTATIONS)[number];

export const APPEND_LABELS: Record<AppendImplementation, string> = {
  plain: 'plain INSERT',
  ordered: 'INSERT + (tx_order, etag) index',
  partitioned: 'INSERT + index, partitioned like the log',
  insert: 'pg-eventlog INSERT',
  eventlog: 'pg-eventlog log_event',
  stream: 'pg-eventlog append_to_stream, expected version',
  serialized: 'advisory lock to commit',
  messagedb: 'Message DB write_message',
  'messagedb-versioned': 'Message DB write_message, expected version',
  pgq: 'PgQ insert_event',
};

/** pg-eventlog's own rows (the peers and baselines are the others). */
export const OUR_APPENDS: readonly AppendImplementation[] = ['insert', 'eventlog', 'stream'];
/** The peers measured beside pg-eventlog. */
export const PEER_APPENDS: readonly AppendImplementation[] = ['serialized', 'messagedb', 'messagedb-versioned', 'pgq'];

/** How pgbench connects for an implementation: the role it runs as, and initial script variables. */
export const APPEND_SESSIONS: Partial<Record<AppendImplementation, { role: string; defines?: () => Record<string, string> }>> = {
  insert: { role: 'eventlog_writer' },
  eventlog: { role: 'eventlog_writer' },
  // A stream of its own per client and run: a new run id every pgbench run; versions from 1.
  stream: { role: 'eventlog_writer', defines: () => ({ run: String(randomInt(1, 2 ** 47)), expected: '0' }) },
  messagedb: { role: 'message_store' },
  // Message DB numbers a stream from 0; -1 is the version of a stream with no messages.
  'messagedb-versioned': { role: 'message_store', defines: () => ({ run: String(randomInt(1, 2 ** 47)), expected: '-1' }) },
  pgq: { role: 'pgq_writer' },
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

export interface PgbenchSession {
  /** Run as this role (`-c role=…` in PGOPTIONS): the connecting user must be a member of it. */
  role?: string;
  /** Initial values of script variables (`-D name=value`), the same for every client. */
  defines?: Record<string, string>;
  /** Retry a transaction refused with 40001/40P01 up to this many tries (`--max-tries`; default 1, none). */
  maxTries?: number;
}

/** Runs `pgbench -n -M prepared -c clients -j threads -T seconds -f script` against url. */
export async function runPgbench(url: string, script: string, clients: number, seconds: number, session: PgbenchSession = {}): Promise<PgbenchResult> {
  const bin = await findPgbench();
  const threads = Math.min(clients, 2);
  const args = ['-n', '-M', 'prepared', '-c', String(clients), '-j', String(threads), '-T', String(seconds), '-f', script];
  for (const [name, value] of Object.entries(session.defines ?? {})) args.push('-D', `${name}=${value}`);
  if (session.maxTries) args.push('--max-tries', String(session.maxTries));
  const env: NodeJS.ProcessEnv = { ...process.env, ...pgEnv(url) };
  if (session.role) env.PGOPTIONS = `${process.env.PGOPTIONS ?? ''} -c role=${session.role}`.trim();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
  /** The implementations to run (default: all), in the order of APPEND_IMPLEMENTATIONS. */
  implementations?: readonly AppendImplementation[];
  clients: number[];
  eventsPerTx: number[];
  /** Seconds per cell, split over `rounds` runs. */
  duration: number;
  rounds: number;
  /** Implementations that cannot run here, with the reason (shown as n/a); the others run. */
  unavailable?: Partial<Record<AppendImplementation, string>>;
  meter?: CpuMeter;
  /** Repeat a run disturbed by other processes (see measureCalmly) up to this many times. */
  retries?: number;
  quiet?: number;
  log?: (message: string) => void;
}

/**
 * Every (clients, events/tx) cell for every implementation. Implementations alternate within a
 * client count, and the order reverses each round (ABCD, DCBA, ...); an implementation in `unavailable` is left out, so slow drift (table growth,
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
        const runnable = (options.implementations ?? APPEND_IMPLEMENTATIONS).filter((impl) => !options.unavailable?.[impl]);
        const order = round % 2 === 0 ? runnable : [...runnable].reverse();
        for (const impl of order) {
          const label = `append ${APPEND_LABELS[impl]} clients=${clients} events/tx=${eventsPerTx} round ${round + 1}`;
          const { result: r, othersCpu: others } = await measureCalmly(
            options.meter,
            { retries: options.retries ?? 0, quiet: options.quiet ?? 0.1, label, log },
            async () => {
              // CHECKPOINT needs superuser or pg_checkpoint; without it, runs start wherever they are.
              await withClient(url, (c) => c.query('CHECKPOINT')).catch(() => {});
              const session = APPEND_SESSIONS[impl];
              return runPgbench(url, appendScript(impl, eventsPerTx), clients, perRun, { role: session?.role, defines: session?.defines?.() });
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
