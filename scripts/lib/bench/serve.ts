// make bench, serve row: commit-to-subscriber latency through `pg-eventlog serve` to many
// concurrent SSE subscribers, and the server's memory.
//
// The server is the real CLI in a process of its own (`pg-eventlog serve --wakeups watch`), so
// that its RSS is its own; this process opens the subscribers (plain HTTP, a minimal parser that
// only looks for `id:` lines) and runs the writers. Each writer appends one event per tick
// (autocommit log_event) and notes when its COMMIT returned; each subscriber notes when the event's
// frame arrived. Latency is arrival minus commit, over every (event, subscriber) pair; an event
// can arrive a little before its writer hears back from COMMIT, so small negative values are kept.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { repoRoot } from '../database.ts';

export interface ServeBenchOptions {
  subscribers: number;
  writers: number;
  /** Appends per second over all writers. */
  rate: number;
  seconds: number;
  log: (m: string) => void;
}

export interface ServeBenchResult {
  subscribers: number;
  appended: number;
  appendsPerSecond: number;
  /** Deliveries expected (appended × subscribers) and those that arrived. */
  expected: number;
  delivered: number;
  p50: number | null;
  p99: number | null;
  /** The server process's peak and final resident memory, MiB (from /proc; null elsewhere). */
  rssPeakMiB: number | null;
  rssMiB: number | null;
}

function percentile(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function rss(pid: number): { peak: number | null; now: number | null } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
    const mib = (v: number) => (Number.isFinite(v) ? Math.round((v / 1024) * 10) / 10 : null);
    return { peak: mib(kb('VmHWM')), now: mib(kb('VmRSS')) };
  } catch {
    return { peak: null, now: null };
  }
}

async function startServer(url: string): Promise<{ child: ChildProcess; base: string }> {
  const bin = path.join(repoRoot, 'bin', 'pg-eventlog.js');
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--wakeups', 'watch', '--heartbeat', '60000'], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start within 30 s: ${err}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before it listened: ${err}`));
    });
  });
  return { child, base };
}

export async function measureServe(url: string, o: ServeBenchOptions): Promise<ServeBenchResult> {
  const { child, base } = await startServer(url);
  const commitAt = new Map<string, number>();
  const latencies: number[] = [];
  let delivered = 0;
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const requests: http.ClientRequest[] = [];
  try {
    // The subscribers: all open and live before the first append.
    let open = 0;
    await Promise.all(Array.from({ length: o.subscribers }, () => new Promise<void>((resolve, reject) => {
      const req = http.get(`${base}/events`, { agent }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`GET /events: ${res.statusCode}`));
        res.setEncoding('utf8');
        let rest = '';
        res.on('data', (chunk: string) => {
          const now = performance.now();
          const text = rest + chunk;
          const cut = text.lastIndexOf('\n');
          rest = text.slice(cut + 1);
          for (const m of text.slice(0, cut + 1).matchAll(/^id: (\d+)$/gm)) {
            const at = commitAt.get(m[1]!);
            delivered++;
            if (at !== undefined) latencies.push(now - at);
          }
        });
        open++;
        resolve();
      });
      req.on('error', reject);
      requests.push(req);
    })));
    o.log(`serve: ${open} SSE subscribers open`);
    await new Promise((r) => setTimeout(r, 500));

    const writers = await Promise.all(Array.from({ length: o.writers }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }));
    let appended = 0;
    const interval = (1000 * o.writers) / o.rate; // ms between one writer's appends
    const t0 = performance.now();
    const deadline = t0 + o.seconds * 1000;
    try {
      await Promise.all(writers.map(async (c, w) => {
        let next = t0 + (interval * w) / o.writers;
        while (next < deadline) {
          const wait = next - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const { rows } = await c.query<{ etag: string }>(`SELECT etag::text AS etag FROM eventlog.log_event('{"bench": "serve"}'::jsonb, 'bench')`);
          commitAt.set(rows[0]!.etag, performance.now());
          appended++;
          next += interval;
        }
      }));
    } finally {
      await Promise.all(writers.map((c) => c.end().catch(() => {})));
    }
    const elapsed = (performance.now() - t0) / 1000;
    const expected = appended * o.subscribers;
    const until = Date.now() + 10_000;
    while (delivered < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const mem = rss(child.pid!);
    const sorted = Float64Array.from(latencies).sort();
    return {
      subscribers: o.subscribers,
      appended,
      appendsPerSecond: appended / elapsed,
      expected,
      delivered,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      rssPeakMiB: mem.peak,
      rssMiB: mem.now,
    };
  } finally {
    for (const r of requests) r.destroy();
    agent.destroy();
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
