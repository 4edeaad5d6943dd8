// Bulk loads: `COPY … (event_type, stream, payload, metadata) FROM STDIN` of one file of events in
// one transaction, through psql (what a user types), into eventlog.events as eventlog_writer and
// into a plain table of the same shape as the bench's own user (the baseline), and (diagnostic) into
// a copy of it with the order's storage, like the append section's. The time is psql's
// \timing of the COPY statement alone (not the connection).
import { spawn } from 'node:child_process';
import { createWriteStream, openSync, closeSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { findPostgresBindir, pgEnv, withClient } from '../database.ts';
import { measureCalmly, type CpuMeter } from './cpu.ts';

export const COPY_IMPLEMENTATIONS = ['plain', 'ordered', 'eventlog'] as const;
export type CopyImplementation = (typeof COPY_IMPLEMENTATIONS)[number];

export const COPY_LABELS: Record<CopyImplementation, string> = {
  plain: 'plain COPY',
  ordered: 'COPY + (tx_order, etag) index',
  eventlog: 'pg-eventlog COPY',
};

const COPY_SQL: Record<CopyImplementation, string> = {
  plain: 'COPY eventlog_bench.copy_events (event_type, stream, payload, metadata) FROM STDIN',
  ordered: 'COPY eventlog_bench.ordered_copy_events (event_type, stream, payload, metadata) FROM STDIN',
  eventlog: 'COPY eventlog.events (event_type, stream, payload, metadata) FROM STDIN',
};
const COPY_ROLE: Partial<Record<CopyImplementation, string>> = { eventlog: 'eventlog_writer' };

/** Writes `events` rows in COPY text format: event_type, stream (NULL), payload, metadata. */
export async function writeCopyFile(file: string, events: number): Promise<void> {
  const out = createWriteStream(file);
  let chunk = '';
  for (let n = 1; n <= events; n++) {
    chunk += `bench\t\\N\t{"n": ${n}, "kind": "bench", "note": "an event loaded by COPY"}\t{}\n`;
    if (chunk.length > 1 << 16 || n === events) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end();
  await once(out, 'finish');
}

export interface CopyCell {
  impl: CopyImplementation;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  othersCpu: number | null;
}

/** One COPY of `file` through psql; returns the statement's time in seconds. */
export async function runCopy(url: string, impl: CopyImplementation, file: string): Promise<number> {
  const bindir = await findPostgresBindir();
  const psql = bindir ? path.join(bindir, 'psql') : 'psql';
  const env: NodeJS.ProcessEnv = { ...process.env, ...pgEnv(url) };
  const role = COPY_ROLE[impl];
  if (role) env.PGOPTIONS = `${process.env.PGOPTIONS ?? ''} -c role=${role}`.trim();
  const fd = openSync(file, 'r');
  try {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', '\\timing on', '-c', COPY_SQL[impl]], { env, stdio: [fd, 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (err += d));
      child.on('error', (e) => reject(new Error(`could not run ${psql}: ${e.message}`)));
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    const ms = stdout.match(/Time: ([\d.]+) ms/);
    if (code !== 0 || !ms) throw new Error(`${COPY_LABELS[impl]} failed (exit ${code}): ${(stderr.trim() || stdout.trim()).split('\n').slice(-2).join(' | ')}`);
    return Number(ms[1]) / 1000;
  } finally {
    closeSync(fd);
  }
}

export interface CopyOptions {
  file: string;
  events: number;
  rounds: number;
  unavailable?: Partial<Record<CopyImplementation, string>>;
  meter?: CpuMeter;
  retries?: number;
  quiet?: number;
  log?: (message: string) => void;
}

/**
 * Each implementation loads the file once per round, alternating (plain first, then the reverse
 * next round), each after a CHECKPOINT. A figure is total events over total time of its rounds.
 */
export async function measureCopies(url: string, options: CopyOptions): Promise<CopyCell[]> {
  const log = options.log ?? (() => {});
  const cells = new Map<CopyImplementation, CopyCell>();
  const runnable = COPY_IMPLEMENTATIONS.filter((impl) => !options.unavailable?.[impl]);
  for (let round = 0; round < options.rounds; round++) {
    for (const impl of round % 2 === 0 ? runnable : [...runnable].reverse()) {
      const label = `copy ${COPY_LABELS[impl]} ${options.events} events round ${round + 1}`;
      const { result: seconds, othersCpu: others } = await measureCalmly(
        options.meter,
        { retries: options.retries ?? 0, quiet: options.quiet ?? 0.1, label, log },
        async () => {
          await withClient(url, (c) => c.query('CHECKPOINT')).catch(() => {});
          return runCopy(url, impl, options.file);
        },
      );
      const cell = cells.get(impl) ?? { impl, events: 0, seconds: 0, eventsPerSecond: 0, othersCpu: null };
      if (others !== null) cell.othersCpu = Math.max(cell.othersCpu ?? 0, others);
      cell.events += options.events;
      cell.seconds += seconds;
      cell.eventsPerSecond = cell.events / cell.seconds;
      cells.set(impl, cell);
      log(`${label}: ${Math.round(options.events / seconds)} events/s${others === null ? '' : `, others used ${Math.round(others * 100)}% CPU`}`);
    }
  }
  return [...cells.values()];
}
