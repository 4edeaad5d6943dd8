// Read throughput and commit-to-read latency, from Node with pg: every reader uses one named
// prepared statement (extended protocol) and receives full rows in text format, which are left
// unparsed (no JSON.parse, no Date) so the client's own CPU cost is the same small amount for
// every implementation and the figures compare the database side.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { withClient } from '../database.ts';
import { percentile } from './format.ts';

export const READ_IMPLEMENTATIONS = ['keyset', 'after', 'client'] as const;
export type ReadImplementation = (typeof READ_IMPLEMENTATIONS)[number];

export const READ_LABELS: Record<ReadImplementation, string> = {
  keyset: 'plain keyset scan',
  after: 'get_event(after, n)',
  client: "get_event('client', n)",
};

const rawTypes = { getTypeParser: () => (value: string) => value };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, types: rawTypes as unknown as pg.CustomTypesConfig });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/**
 * Appends `events` events through log_event, `perTx` per transaction, then copies the log into
 * eventlog_bench.read_events (the same rows, etags included) and VACUUM ANALYZEs both.
 */
export async function preload(url: string, events: number, perTx: number, progress?: (done: number) => void): Promise<void> {
  await withClient(url, async (c) => {
    for (let from = 1; from <= events; from += perTx) {
      const to = Math.min(events, from + perTx - 1);
      await c.query(
        `SELECT count(*) FROM eventlog.log_event((
           SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('n', g, 'kind', 'bench', 'note', 'a preloaded event') ORDER BY g)
           FROM pg_catalog.generate_series($1::integer, $2::integer) AS g))`,
        [from, to],
      );
      progress?.(to);
    }
    await c.query('INSERT INTO eventlog_bench.read_events OVERRIDING SYSTEM VALUE SELECT * FROM eventlog.events ORDER BY etag');
    await c.query('VACUUM (ANALYZE) eventlog.events, eventlog_bench.read_events');
  });
}

export interface ReadCell {
  impl: ReadImplementation;
  batch: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** True when the whole log was read; false when the time cap stopped the reader. */
  drained: boolean;
  /**
   * CPU time the reader's server process spent per call, in microseconds (Linux, server on this
   * machine; else null): other processes on a shared machine move it much less than events/s.
   */
  serverCpuUsPerCall: number | null;
}

let ticksPerSecond: number | undefined;
/** User + system CPU time of a process of this machine in seconds, or null when /proc cannot tell. */
export function processCpuSeconds(pid: number): number | null {
  try {
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / ticksPerSecond; // fields 14 and 15: utime, stime
  } catch {
    return null;
  }
}

/**
 * The pid of the backend serving `client` when it is a process of this machine that we can see:
 * its parent, the postmaster, was started on the server's data directory (reading that setting
 * needs a superuser or pg_read_all_settings). Else null: another machine, or a container whose
 * pids mean something else here.
 */
export async function localBackendPid(client: pg.Client): Promise<number | null> {
  try {
    const { pid, dir } = (await client.query(
      `SELECT pg_catalog.pg_backend_pid() AS pid, pg_catalog.current_setting('data_directory') AS dir`)).rows[0];
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const postmaster = readFileSync(`/proc/${ppid}/cmdline`, 'utf8').split('\0');
    return postmaster.includes(dir) ? Number(pid) : null;
  } catch {
    return null;
  }
}

/**
 * One reader from the start of the log, `batch` rows per call, until drained or `capSeconds`;
 * when the server runs on this machine, also the CPU time its backend spent per call.
 */
export async function measureRead(
  url: string, impl: ReadImplementation, batch: number, capSeconds: number, name = `bench_read_${batch}_${process.pid}`,
): Promise<ReadCell> {
  const client = await connect(url);
  try {
    const text = {
      keyset: 'SELECT * FROM eventlog_bench.read_events WHERE etag > $1 ORDER BY etag LIMIT $2',
      after: 'SELECT * FROM eventlog.get_event($1::bigint, $2::integer)',
      client: 'SELECT * FROM eventlog.get_event($1::text, $2::integer)',
    }[impl];
    let position = '0';
    let events = 0;
    let calls = 0;
    let drained = false;
    const pid = await localBackendPid(client);
    const cpuBefore = pid !== null ? processCpuSeconds(pid) : null;
    const start = performance.now();
    const deadline = start + capSeconds * 1000;
    for (;;) {
      const res = await client.query({ name: `read_${impl}`, text, values: [impl === 'client' ? name : position, batch], rowMode: 'array' });
      const rows = res.rows as string[][];
      calls++;
      events += rows.length;
      if (rows.length > 0) position = rows[rows.length - 1][0];
      if (rows.length < batch) {
        drained = true;
        break;
      }
      if (performance.now() >= deadline) break;
    }
    const seconds = (performance.now() - start) / 1000;
    const cpuAfter = pid !== null ? processCpuSeconds(pid) : null;
    const serverCpuUsPerCall = cpuBefore !== null && cpuAfter !== null ? ((cpuAfter - cpuBefore) * 1e6) / calls : null;
    return { impl, batch, events, seconds, eventsPerSecond: events / seconds, drained, serverCpuUsPerCall };
  } finally {
    await client.end().catch(() => {});
  }
}

export const FOLLOWERS = ['after', 'client', 'keyset'] as const;
export type Follower = (typeof FOLLOWERS)[number];

export const FOLLOWER_LABELS: Record<Follower, string> = {
  after: 'get_event(after, 1000) follower',
  client: "get_event('client', 1000) follower",
  keyset: 'plain keyset follower',
};

export interface LatencyOptions {
  writers: number;
  seconds: number;
  /** Appends per second over all writers; 0 = as fast as they go. */
  rate: number;
  pollMs: number;
}

export interface LatencyResult {
  follower: Follower;
  appended: number;
  received: number;
  /** Appended (committed) events the follower never received. */
  lost: number;
  appendsPerSecond: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

/**
 * Commit-to-read latency: `writers` connections append one event per transaction (autocommit, so
 * the statement returns after COMMIT) at `rate` in total; the commit time is taken when the
 * statement returns. One follower polls the log every `pollMs` when it has caught up. Latency
 * = time the follower's batch arrived − commit time, matched by the id in the payload. Both ends
 * run in this process, on one clock.
 */
export async function measureLatency(url: string, follower: Follower, options: LatencyOptions): Promise<LatencyResult> {
  const reader = await connect(url);
  const writers = await Promise.all(Array.from({ length: options.writers }, () => connect(url)));
  try {
    const clientName = `bench_follow_${process.pid}`;
    const append =
      follower === 'keyset'
        ? 'INSERT INTO eventlog_bench.plain_events (payload) VALUES (pg_catalog.jsonb_build_object($1::text, $2::bigint))'
        : 'SELECT 1 FROM eventlog.log_event(pg_catalog.jsonb_build_object($1::text, $2::bigint))';
    const read = {
      after: `SELECT etag, payload->>'lat' FROM eventlog.get_event($1::bigint, 1000)`,
      client: `SELECT etag, payload->>'lat' FROM eventlog.get_event($1::text, 1000)`,
      keyset: `SELECT etag, payload->>'lat' FROM eventlog_bench.plain_events WHERE etag > $1 ORDER BY etag LIMIT 1000`,
    }[follower];

    // Start at the end of the log: the last etag, or (named client) read the backlog untimed.
    let position: string;
    if (follower === 'client') {
      position = clientName;
      await reader.query('SELECT count(*) FROM eventlog.get_event($1::text, 1)', [clientName]);
      const seek = await reader.query(`SELECT pg_catalog.to_regprocedure('eventlog.seek_client(text,text)') IS NOT NULL AS yes`);
      if (seek.rows[0].yes) await reader.query(`SELECT eventlog.seek_client($1::text, 'end'::text)`, [clientName]);
      // Without seek_client, or should 'end' leave anything behind: read the backlog, untimed.
      // (Needs no open transaction elsewhere in the cluster, which would hold events back.)
      for (;;) {
        const r = await reader.query({ name: 'drain', text: 'SELECT count(*) FROM eventlog.get_event($1::text, 1000)', values: [clientName] });
        if (Number(r.rows[0].count) === 0) break;
      }
    } else {
      const table = follower === 'keyset' ? 'eventlog_bench.plain_events' : 'eventlog.events';
      position = (await reader.query(`SELECT coalesce(max(etag), 0)::text AS m FROM ${table}`)).rows[0].m;
    }

    const committedAt: number[] = [];
    const readAt: number[] = [];
    let nextId = 0;
    let writing = true;
    const start = performance.now();
    const end = start + options.seconds * 1000;
    const interval = options.rate > 0 ? (1000 * options.writers) / options.rate : 0;

    const writer = async (client: pg.Client, w: number) => {
      let due = start + (interval * w) / options.writers;
      while (performance.now() < end) {
        const id = nextId++;
        await client.query({ name: 'append', text: append, values: ['lat', id] });
        committedAt[id] = performance.now();
        if (interval > 0) {
          due += interval;
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
        }
      }
    };

    const follow = async () => {
      let idleSince: number | null = null;
      for (;;) {
        const res = await reader.query({ name: 'follow', text: read, values: [position], rowMode: 'array' });
        const now = performance.now();
        const rows = res.rows as string[][];
        for (const [, id] of rows) readAt[Number(id)] = now;
        if (rows.length > 0) {
          if (follower !== 'client') position = rows[rows.length - 1][0];
          idleSince = null;
          continue;
        }
        if (!writing) {
          // Writers are done: stop once everything arrived, or after 2 s without anything new.
          let all = true;
          for (let id = 0; id < nextId; id++) if (readAt[id] === undefined) { all = false; break; }
          idleSince ??= now;
          if (all || now - idleSince > 2000) return;
        }
        await sleep(options.pollMs);
      }
    };

    const following = follow();
    following.catch(() => {}); // awaited below; never an unhandled rejection meanwhile
    await Promise.all(writers.map((c, w) => writer(c, w)));
    const writeSeconds = (performance.now() - start) / 1000;
    writing = false;
    await following;

    const latencies: number[] = [];
    let lost = 0;
    for (let id = 0; id < nextId; id++) {
      if (readAt[id] === undefined) lost++;
      else latencies.push(Math.max(0, readAt[id] - committedAt[id]));
    }
    latencies.sort((a, b) => a - b);
    return {
      follower,
      appended: nextId,
      received: latencies.length,
      lost,
      appendsPerSecond: nextId / writeSeconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.length ? latencies[latencies.length - 1] : null,
    };
  } finally {
    await Promise.all([reader, ...writers].map((c) => c.end().catch(() => {})));
  }
}
