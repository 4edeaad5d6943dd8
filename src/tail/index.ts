// pg-eventlog tail: follow the log in a terminal, one line per event (like kafka-console-consumer).
// Built on subscribe(); the command line itself is in ./cli.ts.
import { subscribe, type EventFilter, type LogEvent } from '../subscribe/index.ts';
import { Wakeups } from '../wake/index.ts';
import { asError, connect, DEFAULT_SCHEMA, quoteIdent } from '../wake/retry.ts';

export interface TailOptions {
  connectionString?: string;
  schema?: string;
  /** Follow a named client (at-least-once: acknowledged after each batch is printed) … */
  client?: string;
  /** … or a position (default: the end of the log, i.e. only new events; '0' = from the start). */
  from?: string;
  filter?: EventFilter;
  /** One JSON object per line instead of the human line. */
  json?: boolean;
  /** 'listen' (default): wake-ups from `pg-eventlog wake`; 'watch': poll log_end() here; 'none': poll only. */
  wakeups?: 'listen' | 'watch' | 'none';
  pollIntervalMs?: number;
  batchSize?: number;
  signal?: AbortSignal;
  /** Receives each output line (without the newline). */
  write: (line: string) => void | Promise<void>;
  /** Connection errors while following (the tail reconnects). */
  onError?: (err: Error) => void;
}

/** The human line: `etag  time  type  stream@version  payload`. */
export function formatEvent(e: LogEvent): string {
  const where = e.stream === null ? '-' : `${e.stream}@${e.version ?? '?'}`;
  const meta = Object.keys(e.metadata ?? {}).length ? ` ${JSON.stringify(e.metadata)}` : '';
  return `${e.etag}  ${e.ctime.toISOString()}  ${e.eventType}  ${where}  ${JSON.stringify(e.payload)}${meta}`;
}

/** The --json line: every field, names as in LogEvent. */
export function formatEventJson(e: LogEvent): string {
  return JSON.stringify({ ...e, ctime: e.ctime.toISOString() });
}

/**
 * Prints events until `signal` aborts; resolves with how many it printed. Checks the database
 * first (an unreachable or uninstalled database is an error at once, not a reconnect loop); the
 * default start for a position tail is the current end of the log.
 */
export async function tail(o: TailOptions): Promise<{ events: number }> {
  const schema = o.schema ?? DEFAULT_SCHEMA;
  let probe;
  try {
    probe = await connect({ connectionString: o.connectionString, applicationName: 'pg-eventlog tail' });
  } catch (err) {
    const e = err as Error & { code?: string; errors?: Error[] };
    throw new Error(`cannot connect: ${e.message || e.errors?.[0]?.message || e.code || String(err)}`);
  }
  let end: string;
  try {
    end = (await probe.query<{ e: string }>(`SELECT ${quoteIdent(schema)}.log_end()::text AS e`)).rows[0].e;
  } finally {
    await probe.end().catch(() => {});
  }
  const mode = o.wakeups ?? 'listen';
  const wakeups = mode === 'none' ? undefined : new Wakeups({ connectionString: o.connectionString, schema, mode, onError: o.onError });
  let events = 0;
  try {
    // subscribe() checks its options at once, before the listener connects.
    const batches = subscribe({
      connectionString: o.connectionString,
      schema,
      ...(o.client !== undefined ? { client: o.client } : { from: o.from ?? end }),
      filter: o.filter,
      batchSize: o.batchSize,
      pollIntervalMs: o.pollIntervalMs,
      wakeups: wakeups ?? false,
      signal: o.signal,
      onError: o.onError,
    });
    wakeups?.start().catch((err) => o.onError?.(asError(err)));
    const format = o.json ? formatEventJson : formatEvent;
    for await (const batch of batches) {
      for (const e of batch.events) {
        await o.write(format(e));
        events++;
      }
    }
  } finally {
    await wakeups?.close();
  }
  return { events };
}
