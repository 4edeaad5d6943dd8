// How much of the machine's CPU *other* processes used while a figure was measured: on a shared
// machine (other engineers' tests, CI neighbours) that is what makes a figure untrustworthy, and
// the load average cannot tell it apart from the bench's own 32 clients.
//
// Linux only (/proc): the machine's busy time from /proc/stat (user, nice, system, and steal: time
// the hypervisor gave to other guests), minus the CPU time of this process, of the PostgreSQL server
// we measure and of all their descendants (pgbench, backends), counting the time of children that
// already exited through their parents' cutime/cstime, and minus kernel threads (their work — WAL
// flushes, journaling — is mostly ours; interrupt time is left out for the same reason). Elsewhere,
// or when the server is not a local process of ours, it reports nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { withClient } from '../database.ts';

export interface CpuSample {
  /** All CPU time of the machine (every core), busy or idle, in clock ticks. */
  total: number;
  /** Busy time of the machine. */
  busy: number;
  /** Busy time of this process, the server, their descendants, and kernel threads. */
  ours: number;
}

function stat(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces), from field 3 (state) on.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(f[i - 3]);
    return { ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17) }; // utime stime cutime cstime
  } catch {
    return undefined;
  }
}

export class CpuMeter {
  private constructor(private readonly roots: number[]) {}

  /** A meter for this process and the server behind url when it runs here (a local cluster); else undefined. */
  static async create(url: string, local: boolean): Promise<CpuMeter | undefined> {
    try {
      readFileSync('/proc/stat');
    } catch {
      return undefined;
    }
    if (!local) return undefined;
    // The backend's parent, read while the backend still lives.
    const postmaster = await withClient(url, async (c) => stat((await c.query('SELECT pg_catalog.pg_backend_pid() AS pid')).rows[0].pid)?.ppid);
    return postmaster ? new CpuMeter([process.pid, postmaster]) : undefined;
  }

  sample(): CpuSample {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = cpu;
    const busy = user + nice + system + (steal || 0);
    const children = new Map<number, number[]>();
    const ticks = new Map<number, number>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const s = stat(Number(entry));
      if (!s) continue;
      ticks.set(Number(entry), s.ticks);
      const list = children.get(s.ppid) ?? [];
      list.push(Number(entry));
      children.set(s.ppid, list);
    }
    let ours = 0;
    const seen = new Set<number>();
    const walk = (pid: number) => {
      if (seen.has(pid)) return;
      seen.add(pid);
      ours += ticks.get(pid) ?? 0;
      for (const child of children.get(pid) ?? []) walk(child);
    };
    this.roots.forEach(walk);
    walk(2); // kthreadd and every kernel thread
    return { total: busy + idle + (iowait || 0) + irq + softirq, busy, ours };
  }

  /** Share (0..1) of the machine's whole CPU capacity that other processes used between a and b. */
  static othersShare(a: CpuSample, b: CpuSample): number | null {
    const total = b.total - a.total;
    if (total <= 0) return null;
    return Math.max(0, Math.min(1, (b.busy - a.busy - (b.ours - a.ours)) / total));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface CalmOptions {
  /** Runs again (up to this many times) when others took `quiet` or more of the CPU meanwhile. */
  retries: number;
  /** Share of the CPU above which a measurement counts as disturbed (e.g. 0.1). */
  quiet: number;
  /** Longest wait for a quiet second before each attempt, in ms. */
  maxWaitMs?: number;
  label: string;
  log?: (message: string) => void;
}

/**
 * Measures `attempt(i)` with the share of CPU other processes took meanwhile. On a shared machine
 * it first waits (a while, not forever) for a quiet second, and repeats a disturbed measurement up
 * to `retries` times, keeping the least disturbed one. Without a meter: one attempt, share null.
 */
export async function measureCalmly<T>(
  meter: CpuMeter | undefined, options: CalmOptions, attempt: (i: number) => Promise<T>,
): Promise<{ result: T; othersCpu: number | null; attempts: number }> {
  if (!meter) return { result: await attempt(0), othersCpu: null, attempts: 1 };
  let best: { result: T; othersCpu: number | null; attempts: number } | undefined;
  for (let i = 0; i <= options.retries; i++) {
    if (options.retries > 0) await waitForQuiet(meter, options.quiet, options.maxWaitMs ?? 30_000);
    const before = meter.sample();
    const result = await attempt(i);
    const share = CpuMeter.othersShare(before, meter.sample());
    if (!best || (share !== null && (best.othersCpu === null || share < best.othersCpu))) best = { result, othersCpu: share, attempts: i + 1 };
    best.attempts = i + 1;
    if (share === null || share < options.quiet) break;
    if (i < options.retries) options.log?.(`${options.label}: others used ${Math.round(share * 100)}% CPU meanwhile; measuring again`);
  }
  return best!;
}

/** Waits until other processes use less than `quiet` of the CPU for one second, or `maxWaitMs` passed. */
export async function waitForQuiet(meter: CpuMeter, quiet: number, maxWaitMs: number): Promise<void> {
  const deadline = Date.now() + maxWaitMs;
  while (Date.now() < deadline) {
    const a = meter.sample();
    await sleep(1000);
    const share = CpuMeter.othersShare(a, meter.sample());
    if (share === null || share < quiet) return;
  }
}
