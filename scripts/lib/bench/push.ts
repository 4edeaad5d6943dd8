// make bench, push delivery (docs/push.md):
//   latency  commit-to-subscriber p50/p99: `writers` connections append one event per transaction
//            through the INSERT path at `ratePerWriter` each; one subscribe() follower (a position,
//            batches of 1000, safety-net poll 1 s) is woken by the shared Wakeups listener, which
//            hears the WakeWatcher's NOTIFY. Commit time = when the writer's INSERT (autocommit)
//            returned; read time = when subscribe() yielded the batch. One process, one clock.
//   append   pgbench, 32 clients, 1 event per transaction: the INSERT path and the plain INSERT
//            baseline, with the watcher and a listener running and without them, interleaved
//            (on: plain, insert; off: insert, plain; reversed each round), so the two ratios come
//            from the same minutes of the same machine.
//   idle     CPU of the watcher on an idle log at its idle check interval (10 ms) and at its busy
//            one (1 ms): its backend's CPU (/proc; the checks run there, in await_log_end()) and
//            this process's own CPU (only the watcher runs in it then), as shares of one core.
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { subscribe } from '../../../src/subscribe/index.ts';
import { Wakeups, WakeWatcher } from '../../../src/wake/index.ts';
import { withClient } from '../database.ts';
import { APPEND_SESSIONS, appendScript, runPgbench } from './append.ts';
import { measureCalmly, type CpuMeter } from './cpu.ts';
import { percentile } from './format.ts';
import { processCpuSeconds } from './read.ts';

export interface PushOptions {
  writers: number;
  ratePerWriter: number;
  latencySeconds: number;
  appendClients: number;
  /** Seconds per pgbench run (each of 4 runs per round). */
  appendSeconds: number;
  rounds: number;
  idleSeconds: number;
  meter?: CpuMeter;
  retries?: number;
  quiet?: number;
  log?: (message: string) => void;
}

export interface PushLatency {
  appended: number;
  received: number;
  lost: number;
  appendsPerSecond: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  notifications: number;
  wakes: number;
  othersCpu: number | null;
}

export interface PushAppend {
  watcher: boolean;
  plain: number;
  insert: number;
  ratio: number;
  othersCpu: number | null;
  /**
   * With the watcher: what the machinery itself used while pgbench ran, as shares of one core —
   * the watcher's backend (its checks, the log_end() probes and the notifications; null when the
   * server's processes are not visible here) and this process (the watcher's and the listener's
   * client side, and the bench's own bookkeeping; pgbench runs in children) — and its
   * notifications per second.
   */
  machinery?: { serverCore: number | null; clientCore: number; notificationsPerSecond: number };
}

export interface PushIdle {
  intervalMs: number;
  /** Share of one core (0..1), or null when the server's processes are not visible here. */
  serverCore: number | null;
  clientCore: number;
  pollsPerSecond: number;
}

export interface PushResult {
  latency: PushLatency;
  appends: PushAppend[];
  idle: PushIdle[];
}

/** The rows for bench's table (same shape as its Row). */
export interface PushRow {
  test: 'push';
  implementation: string;
  clients: number;
  size: number;
  eventsPerSecond: number | null;
  ratio: number | null;
  baseline: boolean;
  p50Ms?: number | null;
  p99Ms?: number | null;
  note?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  await c.connect();
  return c;
}

async function watcherPid(url: string): Promise<number | null> {
  return withClient(url, async (c) => {
    const r = await c.query<{ pid: number }>(
      `SELECT pid FROM pg_catalog.pg_stat_activity WHERE application_name = 'pg-eventlog wake' AND datname = pg_catalog.current_database() LIMIT 1`);
    return r.rows[0]?.pid ?? null;
  });
}

export async function measurePushLatency(url: string, o: Pick<PushOptions, 'writers' | 'ratePerWriter' | 'latencySeconds'>): Promise<Omit<PushLatency, 'othersCpu'>> {
  const watcher = new WakeWatcher({ connectionString: url });
  const wakeups = new Wakeups({ connectionString: url });
  const writers = await Promise.all(Array.from({ length: o.writers }, () => connect(url)));
  const ac = new AbortController();
  try {
    await watcher.start();
    await wakeups.start();
    const from = (await writers[0].query<{ e: string }>('SELECT eventlog.log_end()::text AS e')).rows[0].e;
    for (const w of writers) await w.query('SET ROLE eventlog_writer');
    const committedAt: number[] = [];
    const readAt: number[] = [];
    let nextId = 0;
    let writing = true;
    let allIn: (() => void) | undefined;
    let received = 0;
    const following = (async () => {
      for await (const batch of subscribe({ connectionString: url, from, batchSize: 1000, wakeups, pollIntervalMs: 1000, signal: ac.signal })) {
        const now = performance.now();
        for (const e of batch.events) {
          const id = Number((e.payload as { lat: number }).lat);
          if (readAt[id] === undefined) received++;
          readAt[id] = now;
        }
        if (!writing && received >= nextId) allIn?.();
      }
    })();
    following.catch(() => {});
    const start = performance.now();
    const end = start + o.latencySeconds * 1000;
    const interval = 1000 / o.ratePerWriter;
    await Promise.all(writers.map(async (c, w) => {
      let due = start + (interval * w) / o.writers;
      while (performance.now() < end) {
        const id = nextId++;
        await c.query({ name: 'append', text: `INSERT INTO eventlog.events (payload) VALUES (pg_catalog.jsonb_build_object('lat', $1::bigint))`, values: [id] });
        committedAt[id] = performance.now();
        due += interval;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
      }
    }));
    const writeSeconds = (performance.now() - start) / 1000;
    writing = false;
    if (received < nextId) await Promise.race([new Promise<void>((resolve) => (allIn = resolve)), sleep(3000)]);
    ac.abort();
    await following;
    const latencies: number[] = [];
    let lost = 0;
    for (let id = 0; id < nextId; id++) {
      if (readAt[id] === undefined) lost++;
      else latencies.push(Math.max(0, readAt[id] - committedAt[id]));
    }
    latencies.sort((a, b) => a - b);
    return {
      appended: nextId,
      received: latencies.length,
      lost,
      appendsPerSecond: nextId / writeSeconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.length ? latencies[latencies.length - 1] : null,
      notifications: watcher.notifications,
      wakes: wakeups.wakes,
    };
  } finally {
    ac.abort();
    await Promise.all(writers.map((c) => c.end().catch(() => {})));
    await wakeups.close();
    await watcher.close();
  }
}

/** CPU of a watcher left alone on an idle log, at `intervalMs` (its idle interval once still for 0.5 s). */
export async function measureWatcherIdle(url: string, intervalMs: number, seconds: number): Promise<PushIdle> {
  const watcher = new WakeWatcher({ connectionString: url, intervalMs, idleIntervalMs: intervalMs, idleAfterMs: 500 });
  try {
    await watcher.start();
    await sleep(1000);
    const pid = await watcherPid(url);
    const server0 = pid === null ? null : processCpuSeconds(pid);
    const client0 = process.cpuUsage();
    const polls0 = watcher.polls;
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const elapsed = (performance.now() - t0) / 1000;
    const server1 = pid === null ? null : processCpuSeconds(pid);
    const client = process.cpuUsage(client0);
    return {
      intervalMs,
      serverCore: server0 === null || server1 === null ? null : (server1 - server0) / elapsed,
      clientCore: (client.user + client.system) / 1e6 / elapsed,
      pollsPerSecond: (watcher.polls - polls0) / elapsed,
    };
  } finally {
    await watcher.close();
  }
}

export async function measurePush(url: string, o: PushOptions): Promise<PushResult> {
  const log = o.log ?? (() => {});
  const calm = { retries: o.retries ?? 0, quiet: o.quiet ?? 0.1, log };

  const { result: lat, othersCpu } = await measureCalmly(o.meter, { ...calm, label: 'push latency' },
    () => measurePushLatency(url, o));
  const latency = { ...lat, othersCpu };
  log(`push latency: p50 ${latency.p50?.toFixed(2)} ms, p99 ${latency.p99?.toFixed(2)} ms, ${latency.appended} appended, ${latency.lost} never read, ${latency.notifications} notifications`);

  // Append ratio with and without the machinery, interleaved.
  const runs: Record<'on' | 'off', { plain: number[]; insert: number[]; others: number | null }> = {
    on: { plain: [], insert: [], others: null },
    off: { plain: [], insert: [], others: null },
  };
  const pgbench = async (impl: 'plain' | 'insert', phase: 'on' | 'off', round: number) => {
    const { result, othersCpu: others } = await measureCalmly(o.meter, { ...calm, label: `push append ${impl} watcher ${phase} round ${round + 1}` }, async () => {
      await withClient(url, (c) => c.query('CHECKPOINT')).catch(() => {});
      return runPgbench(url, appendScript(impl, 1), o.appendClients, o.appendSeconds, { role: APPEND_SESSIONS[impl]?.role });
    });
    if (others !== null) runs[phase].others = Math.max(runs[phase].others ?? 0, others);
    runs[phase][impl].push(result.tps);
    log(`push append ${impl}, watcher ${phase}, round ${round + 1}: ${Math.round(result.tps)} events/s`);
  };
  // The machinery's own CPU while pgbench runs with it: its share of the machine is the most it
  // can take from the writers, a figure that does not drown in the runs' noise as the ratios do.
  const used = { server: 0 as number | null, client: 0, notifications: 0, seconds: 0 };
  for (let round = 0; round < o.rounds; round++) {
    const phases: ('on' | 'off')[] = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    for (const phase of phases) {
      const impls: ('plain' | 'insert')[] = phase === phases[0] ? ['plain', 'insert'] : ['insert', 'plain'];
      const watcher = phase === 'on' ? new WakeWatcher({ connectionString: url }) : undefined;
      const wakeups = phase === 'on' ? new Wakeups({ connectionString: url }) : undefined;
      try {
        await watcher?.start();
        await wakeups?.start();
        const pid = watcher ? await watcherPid(url) : null;
        const server0 = pid === null ? null : processCpuSeconds(pid);
        const client0 = process.cpuUsage();
        const notified0 = watcher?.notifications ?? 0;
        const t0 = performance.now();
        for (const impl of impls) await pgbench(impl, phase, round);
        if (watcher) {
          const server1 = pid === null ? null : processCpuSeconds(pid);
          const client = process.cpuUsage(client0);
          used.server = used.server === null || server0 === null || server1 === null ? null : used.server + (server1 - server0);
          used.client += (client.user + client.system) / 1e6;
          used.notifications += watcher.notifications - notified0;
          used.seconds += (performance.now() - t0) / 1000;
        }
      } finally {
        await wakeups?.close();
        await watcher?.close();
      }
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const appends: PushAppend[] = (['on', 'off'] as const).map((phase) => {
    const plain = mean(runs[phase].plain);
    const insert = mean(runs[phase].insert);
    const machinery = phase === 'on' && used.seconds > 0
      ? { serverCore: used.server === null ? null : used.server / used.seconds, clientCore: used.client / used.seconds, notificationsPerSecond: used.notifications / used.seconds }
      : undefined;
    return { watcher: phase === 'on', plain, insert, ratio: insert / plain, othersCpu: runs[phase].others, ...(machinery ? { machinery } : {}) };
  });
  const m = appends.find((a) => a.machinery)?.machinery;
  if (m) log(`push append: the watcher's backend used ${pct(m.serverCore)} of a core while pgbench ran (this process ${pct(m.clientCore)}), ${Math.round(m.notificationsPerSecond)} notifications/s`);

  const idle: PushIdle[] = [];
  for (const interval of [10, 1]) {
    const r = await measureWatcherIdle(url, interval, o.idleSeconds);
    idle.push(r);
    log(`push watcher checking every ${interval} ms on an idle log: server ${r.serverCore === null ? 'n/a' : `${(r.serverCore * 100).toFixed(1)}%`}, client ${(r.clientCore * 100).toFixed(1)}% of a core, ${r.pollsPerSecond.toFixed(1)} round trips/s`);
  }
  return { latency, appends, idle };
}

const pct = (share: number | null) => (share === null ? 'n/a' : `${(share * 100).toFixed(1)}%`);
const busy = (share: number | null, quiet: number) => (share !== null && share >= quiet ? `; busy: others used ${Math.round(share * 100)}% CPU` : '');

export function pushRows(r: PushResult, o: Pick<PushOptions, 'writers' | 'ratePerWriter' | 'appendClients'>, quiet = 0.1): PushRow[] {
  const l = r.latency;
  const rows: PushRow[] = [{
    test: 'push', implementation: 'subscribe(), watcher wake-ups', clients: o.writers, size: 1000,
    eventsPerSecond: l.appendsPerSecond, ratio: null, baseline: false, p50Ms: l.p50, p99Ms: l.p99,
    note: `${o.writers} writers at ${o.ratePerWriter}/s each (INSERT path); ${l.lost > 0 ? `LOST ${l.lost} of ${l.appended}` : `read all ${l.appended}`}; ${l.notifications} notifications${busy(l.othersCpu, quiet)}`,
  }];
  const on = r.appends.find((a) => a.watcher)!;
  const off = r.appends.find((a) => !a.watcher)!;
  rows.push(
    { test: 'push', implementation: 'plain INSERT, watcher running', clients: o.appendClients, size: 1, eventsPerSecond: on.plain, ratio: null, baseline: true, note: busy(on.othersCpu, quiet).replace(/^; /, '') || undefined },
    {
      test: 'push', implementation: 'pg-eventlog INSERT, watcher running', clients: o.appendClients, size: 1, eventsPerSecond: on.insert, ratio: on.ratio, baseline: false,
      note: `without watcher, same run: ${off.ratio.toFixed(2)}× (${Math.round(off.insert)} vs ${Math.round(off.plain)} events/s)${on.machinery ? `; the watcher's backend used ${pct(on.machinery.serverCore)} of one core meanwhile (the bench process, where the watcher and the listener run, ${pct(on.machinery.clientCore)}), ${Math.round(on.machinery.notificationsPerSecond)} notifications/s` : ''}${busy(Math.max(on.othersCpu ?? 0, off.othersCpu ?? 0) || null, quiet)}`,
    },
  );
  for (const i of r.idle) {
    rows.push({
      test: 'push', implementation: `watcher on an idle log, checks every ${i.intervalMs} ms`, clients: 1, size: 1, eventsPerSecond: null, ratio: null, baseline: false,
      note: `CPU: server ${pct(i.serverCore)}, watcher process ${pct(i.clientCore)} of one core; ${i.pollsPerSecond.toFixed(1)} round trips/s`,
    });
  }
  return rows;
}
