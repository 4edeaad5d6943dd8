// load_stream latency (issue 10): an event-sourced application loads one aggregate per request,
// so what counts is the time of one call, p50 and p99, not a throughput.
//
// The log is built in a database of its own on the bench's server, so that it holds exactly the
// events the target names: `events` events across `streams` streams (100 each by default), written
// interleaved (event g goes to stream g mod streams, in batches of 100,000 per transaction), so a
// stream's events are spread over the whole table as they are in a real log, not stored together.
// Every stream then gets a snapshot at version `snapshotAt` (default half its events), and the
// reader calls `SELECT * FROM eventlog.load_stream($1)` as eventlog_reader, one named prepared
// statement, for a random stream each time: the newest snapshot and the events after it. The time
// of a call is taken around the round trip in Node (client and server on one machine), rows left
// unparsed; an untimed pass over `warmUpCalls` streams comes first.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { install } from '../../../src/install/index.ts';
import { createDatabase, dropDatabase, withClient } from '../database.ts';
import { percentile } from './format.ts';
import { localBackendPid, processCpuSeconds } from './read.ts';

export interface LoadStreamOptions {
  /** Events in the log, all of them in streams. */
  events: number;
  /** Streams they are spread over. */
  streams: number;
  /** Version of each stream's snapshot. */
  snapshotAt: number;
  /** Seconds of timed calls (or `maxCalls`, whichever comes first). */
  seconds: number;
  maxCalls?: number;
  warmUpCalls?: number;
  log?: (message: string) => void;
  /**
   * Runs the timed part (warm-up and calls, on the log built once), e.g. measureCalmly to repeat
   * it when other processes disturbed it; returns what it returned.
   */
  around?: <T>(timed: () => Promise<T>) => Promise<T>;
}

export interface LoadStreamResult {
  /** The database the log was built in (dropped afterwards). */
  database: string;
  events: number;
  streams: number;
  eventsPerStream: number;
  snapshotAt: number;
  calls: number;
  /** Rows returned per call: the snapshot and the events after it. */
  rowsPerCall: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  callsPerSecond: number;
  /** CPU time of the reader's backend per call, in microseconds, when the server is local; else null. */
  serverCpuUsPerCall: number | null;
  /** Seconds it took to build the log and the snapshots (not part of the figure). */
  setupSeconds: number;
}

const BATCH = 100_000;
const rawTypes = { getTypeParser: () => (value: string) => value };

/** Builds the streams' log in a new database on adminUrl's server, measures load_stream, drops the database. */
export async function measureLoadStream(adminUrl: string, options: LoadStreamOptions): Promise<LoadStreamResult> {
  const log = options.log ?? (() => {});
  const { events, streams, snapshotAt } = options;
  if (events % streams !== 0) throw new Error(`load_stream: ${events} events do not divide into ${streams} streams`);
  const perStream = events / streams;
  if (snapshotAt < 1 || snapshotAt > perStream) throw new Error(`load_stream: snapshot version ${snapshotAt} is not in 1..${perStream}`);
  const name = `pgel_bench_streams_${randomBytes(4).toString('hex')}`;
  const url = await createDatabase(adminUrl, name);
  try {
    await install({ databaseUrl: url });
    const t0 = performance.now();
    log(`load_stream: writing ${events.toLocaleString('en-US')} events across ${streams.toLocaleString('en-US')} streams (database ${name})`);
    await withClient(url, async (c) => {
      for (let from = 0; from < events; from += BATCH) {
        const to = Math.min(events, from + BATCH) - 1;
        await c.query(
          `INSERT INTO eventlog.events (event_type, stream, payload)
           SELECT 'bench', 'account-' || (g % $3::integer), pg_catalog.jsonb_build_object('n', g, 'kind', 'bench', 'note', 'an event of a stream')
           FROM pg_catalog.generate_series($1::integer, $2::integer) AS g
           ORDER BY g`,
          [from, to, streams],
        );
      }
      await c.query(
        `SELECT pg_catalog.count(eventlog.save_snapshot('account-' || s, $2::integer,
           pg_catalog.jsonb_build_object('balance', s, 'note', 'the state of the aggregate as of the snapshot')))
         FROM pg_catalog.generate_series(0, $1::integer - 1) AS s`,
        [streams, snapshotAt],
      );
      await c.query('VACUUM (ANALYZE) eventlog.events, eventlog.streams, eventlog.snapshots');
    });
    const setupSeconds = (performance.now() - t0) / 1000;

    const timed = async () => {
    const client = new pg.Client({ connectionString: url, types: rawTypes as unknown as pg.CustomTypesConfig });
    client.on('error', () => {});
    await client.connect();
    try {
      const pid = await localBackendPid(client);
      await client.query('SET ROLE eventlog_reader');
      const call = async (stream: number) =>
        (await client.query({ name: 'load_stream', text: 'SELECT * FROM eventlog.load_stream($1)', values: [`account-${stream}`], rowMode: 'array' })).rows.length;
      const pick = () => Math.floor(Math.random() * streams);
      const expectedRows = 1 + perStream - snapshotAt;
      for (let i = 0; i < (options.warmUpCalls ?? 1000); i++) await call(pick());
      const times: number[] = [];
      const cpuBefore = pid !== null ? processCpuSeconds(pid) : null;
      const start = performance.now();
      const deadline = start + options.seconds * 1000;
      while (performance.now() < deadline && times.length < (options.maxCalls ?? Infinity)) {
        const s = pick();
        const before = performance.now();
        const rows = await call(s);
        times.push(performance.now() - before);
        if (rows !== expectedRows) throw new Error(`load_stream('account-${s}') returned ${rows} rows, not the snapshot and ${perStream - snapshotAt} events`);
      }
      const elapsed = (performance.now() - start) / 1000;
      const cpuAfter = pid !== null ? processCpuSeconds(pid) : null;
      times.sort((a, b) => a - b);
      return {
        database: name,
        events,
        streams,
        eventsPerStream: perStream,
        snapshotAt,
        calls: times.length,
        rowsPerCall: expectedRows,
        p50Ms: percentile(times, 50) ?? NaN,
        p99Ms: percentile(times, 99) ?? NaN,
        maxMs: times[times.length - 1],
        callsPerSecond: times.length / elapsed,
        serverCpuUsPerCall: cpuBefore !== null && cpuAfter !== null ? ((cpuAfter - cpuBefore) * 1e6) / times.length : null,
        setupSeconds,
      };
    } finally {
      await client.end().catch(() => {});
    }
    };
    return await (options.around ? options.around(timed) : timed());
  } finally {
    await dropDatabase(adminUrl, name).catch((err) => log(`could not drop ${name}: ${(err as Error).message}`));
  }
}

/**
 * measureLoadStream, or the reason it could not run ("failed: …", e.g. no right to create a
 * database on the server): the bench runs it last, and a failure must not lose the other figures.
 */
export async function measureLoadStreamOrReason(adminUrl: string, options: LoadStreamOptions): Promise<LoadStreamResult | string> {
  try {
    return await measureLoadStream(adminUrl, options);
  } catch (err) {
    return `failed: ${(err as Error).message}`;
  }
}
