// make stress: N producers × M events in parallel with concurrent consumers, then the checks.
//
// Each producer appends {producer, seq, value} events through log_event on its own connection,
// 1..--max-batch events per transaction, and rolls back about --rollback-percent of its
// transactions (then writes those events again), so readers must skip the gaps rolled-back
// transactions leave. Each consumer reads the WHOLE log on its own: on a named client of its own
// (get_event('client', n)) when named clients are installed, else by position (get_event(after, n)).
// At the end every consumer's stream is verified: count, checksum, lost, duplicated, out of order
// per producer; and the table itself is counted and summed. Exit 1 on any failure.
import { performance } from 'node:perf_hooks';
import { Command, InvalidArgumentError, Option } from 'commander';
import pg from 'pg';
import { withClient } from './lib/database.ts';
import { Progress, textTable } from './lib/bench/format.ts';
import { positiveInt } from './lib/bench/options.ts';
import { benchDatabase, hasNamedClients, onInterrupt, readSettings, type BenchDatabase } from './lib/bench/setup.ts';
import { stressValue, verifyDelivery, type Received, type Verdict } from './lib/bench/verify.ts';

const percent = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n >= 100) throw new InvalidArgumentError('a percentage in [0, 100)');
  return n;
};

const program = new Command('stress')
  .description('N producers × M events with concurrent consumers; verifies nothing is lost, duplicated or reordered.')
  .option('--producers <n>', 'producer connections', positiveInt, 10)
  .option('--events <n>', 'events per producer', positiveInt, 100_000)
  .option('--consumers <n>', 'consumers, each reading the whole log on its own cursor', positiveInt, 2)
  .option('--max-batch <n>', 'events per producer transaction: 1 to n, at random', positiveInt, 10)
  .option('--rollback-percent <p>', 'producer transactions rolled back (then written again)', percent, 1)
  .option('--read-batch <n>', 'max_rows of every consumer read', positiveInt, 1000)
  .option('--settle-seconds <s>', 'after the producers finish, how long consumers wait for missing events', positiveInt, 30)
  .option('--as-provided', "keep the throwaway cluster's test settings (fsync off) instead of durable defaults")
  .addOption(new Option('--inject-loss', 'test only: tamper with consumer 1\'s record (drop, duplicate, swap) to prove the checks fail').hideHelp())
  .addHelpText('after', '\nThe database: a scratch database on DATABASE_URL\'s server if set, else a throwaway cluster; dropped afterwards.');

interface Options {
  producers: number;
  events: number;
  consumers: number;
  maxBatch: number;
  rollbackPercent: number;
  readBatch: number;
  settleSeconds: number;
  asProvided?: boolean;
  injectLoss?: boolean;
}

/** What one consumer received, in order, in three growable columns. */
class Record {
  producer = new Int32Array(1024);
  seq = new Int32Array(1024);
  value = new Int32Array(1024);
  length = 0;

  push(producer: number, seq: number, value: number) {
    if (this.length === this.producer.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.producer = grow(this.producer);
      this.seq = grow(this.seq);
      this.value = grow(this.value);
    }
    this.producer[this.length] = producer;
    this.seq[this.length] = seq;
    this.value[this.length] = value;
    this.length++;
  }

  *[Symbol.iterator](): Iterator<Received> {
    for (let i = 0; i < this.length; i++) yield { producer: this.producer[i], seq: this.seq[i], value: this.value[i] };
  }
}

// Deterministic pseudo-randomness per producer, so a failing run can be replayed.
function random(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

const rawTypes = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const n = (x: number) => x.toLocaleString('en-US');
const log = (m: string) => console.error(`# ${m}`);

async function main(argv: string[]): Promise<number> {
  program.parse(argv);
  const o = program.opts<Options>();
  const total = o.producers * o.events;

  let db: BenchDatabase | undefined;
  const clients: pg.Client[] = [];
  let interrupted = false;
  const removeInterrupt = onInterrupt(() => (interrupted = true), () => db);
  try {
    db = await benchDatabase({ prefix: 'pgel_stress', durable: !o.asProvided, log });
    const url = db.url;
    const connect = async () => {
      const c = new pg.Client({ connectionString: url, types: rawTypes });
      c.on('error', () => {});
      clients.push(c);
      await c.connect();
      return c;
    };
    const settings = await readSettings(url, ['fsync', 'synchronous_commit', 'full_page_writes']);
    const named = await hasNamedClients(url);
    const mode = named
      ? `named clients: ${o.consumers} consumer(s), each on a client of its own (get_event('client', ${o.readBatch})), each reading everything`
      : `get_event(after, ${o.readBatch}) by position: ${o.consumers} consumer(s), each reading everything (named clients are not installed)`;
    console.log(`stress: ${o.producers} producers × ${n(o.events)} events = ${n(total)}, 1-${o.maxBatch} per transaction, ~${o.rollbackPercent}% rolled back and retried`);
    console.log(`consumers: ${mode}`);
    console.log(`settings: ${Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(', ')} (${db.settingsNote})`);

    const produced = new Array<number>(o.producers).fill(0);
    let rolledBack = 0;
    let producersDone = false;
    const records = Array.from({ length: o.consumers }, () => new Record());
    const start = performance.now();
    let producedAt = 0;

    const producer = async (p: number) => {
      const client = await connect();
      const rnd = random(p * 2654435761 + 1);
      let seq = 0;
      while (seq < o.events && !interrupted) {
        const k = Math.min(o.events - seq, 1 + Math.floor(rnd() * o.maxBatch));
        const events = Array.from({ length: k }, (_, i) => ({ producer: p, seq: seq + i, value: stressValue(p, seq + i) }));
        const payload = JSON.stringify(k === 1 ? events[0] : events);
        if (rnd() * 100 < o.rollbackPercent) {
          await client.query('BEGIN');
          await client.query('SELECT count(*) FROM eventlog.log_event($1::jsonb)', [payload]);
          await client.query('ROLLBACK');
          rolledBack++;
          continue; // the same events again, in a new transaction
        }
        await client.query({ name: 'append', text: 'SELECT count(*) FROM eventlog.log_event($1::jsonb)', values: [payload] });
        seq += k;
        produced[p] = seq;
      }
    };

    const consumer = async (i: number) => {
      const client = await connect();
      const record = records[i];
      const name = `stress_${process.pid}_${i + 1}`;
      const text = named
        ? `SELECT etag, payload->>'producer', payload->>'seq', payload->>'value' FROM eventlog.get_event($1::text, $2::integer)`
        : `SELECT etag, payload->>'producer', payload->>'seq', payload->>'value' FROM eventlog.get_event($1::bigint, $2::integer)`;
      let position = named ? name : '0';
      let idleSince: number | null = null;
      while (!interrupted) {
        const done = producersDone;
        const res = await client.query({ name: 'consume', text, values: [position, o.readBatch], rowMode: 'array' });
        const rows = res.rows as string[][];
        for (const [, p, s, v] of rows) record.push(Number(p), Number(s), Number(v));
        if (rows.length > 0) {
          if (!named) position = rows[rows.length - 1][0];
          idleSince = null;
          continue;
        }
        if (done) {
          // Everything is committed. Stop when we hold at least as many as were written (more means
          // duplicates, which the checks report), or when nothing more came for --settle-seconds.
          if (record.length >= total) return;
          idleSince ??= performance.now();
          if (performance.now() - idleSince > o.settleSeconds * 1000) return;
        }
        await sleep(done ? 50 : 10);
      }
    };

    const progress = new Progress();
    const ticker = setInterval(() => {
      const made = produced.reduce((a, b) => a + b, 0);
      const got = records.map((r) => r.length);
      const secs = (performance.now() - start) / 1000;
      progress.update(
        (made + Math.min(...got)) / (2 * total),
        `produced ${n(made)}/${n(total)} · consumed ${got.map(n).join(' / ')} · ${n(Math.round(made / secs))} events/s appended`,
      );
    }, 200);
    let consumers: Promise<void>[] = [];
    try {
      consumers = records.map((_, i) => consumer(i));
      consumers.forEach((c) => c.catch(() => {})); // awaited below; never an unhandled rejection meanwhile
      await Promise.all(Array.from({ length: o.producers }, (_, p) => producer(p)));
      producedAt = performance.now();
      producersDone = true;
      await Promise.all(consumers);
    } finally {
      clearInterval(ticker);
      const got = records.map((r) => r.length);
      progress.update((produced.reduce((a, b) => a + b, 0) + Math.min(...got)) / (2 * total), `produced ${n(produced.reduce((a, b) => a + b, 0))}/${n(total)} · consumed ${got.map(n).join(' / ')}`, true);
      progress.done();
    }
    if (interrupted) {
      console.log('stress: interrupted, nothing verified');
      return 130;
    }
    const end = performance.now();
    const produceSeconds = (producedAt - start) / 1000;
    const elapsed = (end - start) / 1000;

    if (o.injectLoss && records[0].length >= 3) {
      // Test only: drop the first event, repeat the last, swap two neighbours.
      const r = records[0];
      const tampered = new Record();
      for (let i = 1; i < r.length; i++) tampered.push(r.producer[i], r.seq[i], r.value[i]);
      tampered.push(r.producer[r.length - 1], r.seq[r.length - 1], r.value[r.length - 1]);
      const swap = (a: Int32Array) => ([a[1], a[2]] = [a[2], a[1]]);
      swap(tampered.producer);
      swap(tampered.seq);
      swap(tampered.value);
      records[0] = tampered;
      console.log('--inject-loss: consumer 1 record tampered (first event dropped, last repeated, two swapped)');
    }

    // The table itself: what the producers committed, whatever the consumers saw.
    const stored = await withClient(url, async (c) =>
      (await c.query(`SELECT count(*)::bigint AS count, coalesce(sum((payload->>'value')::bigint), 0)::bigint AS sum FROM eventlog.events`)).rows[0] as { count: string; sum: string });

    const expected = { perProducer: new Array<number>(o.producers).fill(o.events), valueOf: stressValue };
    const verdicts: Verdict[] = records.map((r) => verifyDelivery(r, expected));
    const expectedSum = verdicts[0]?.expectedChecksum ?? 0n;
    const tableOk = BigInt(stored.count) === BigInt(total) && BigInt(stored.sum) === expectedSum;

    console.log('');
    console.log(`log table: ${n(Number(stored.count))} events, sum of values ${stored.sum} (expected ${n(total)} and ${expectedSum}) ${tableOk ? 'ok' : 'MISMATCH'}`);
    verdicts.forEach((v, i) => {
      console.log('');
      console.log(`consumer ${i + 1}: ${v.ok ? 'ok' : 'FAILED'}`);
      console.log(`  count ${n(v.count)} (expected ${n(v.expectedCount)})`);
      console.log(`  checksum ${v.checksum} (expected ${v.expectedChecksum}) ${v.checksum === v.expectedChecksum ? 'ok' : 'MISMATCH'}`);
      console.log(`  lost ${v.lost}, duplicated ${v.duplicated}, out of order ${v.outOfOrder}${v.unknown ? `, unknown ${v.unknown}` : ''}`);
      const table = textTable(v.producers, [
        { header: 'producer', value: (r) => String(r.producer), align: 'right' },
        { header: 'expected', value: (r) => n(r.expected), align: 'right' },
        { header: 'received', value: (r) => n(r.received), align: 'right' },
        { header: 'lost', value: (r) => String(r.lost), align: 'right' },
        { header: 'duplicated', value: (r) => String(r.duplicated), align: 'right' },
        { header: 'out of order', value: (r) => String(r.outOfOrder), align: 'right' },
        {
          header: 'examples (seq)',
          value: (r) =>
            [
              r.examples.lost.length ? `lost ${r.examples.lost.join(',')}` : '',
              r.examples.duplicated.length ? `dup ${r.examples.duplicated.join(',')}` : '',
              r.examples.outOfOrder.length ? `late ${r.examples.outOfOrder.join(',')}` : '',
            ].filter(Boolean).join('; '),
        },
      ]);
      console.log(table.split('\n').map((l) => `  ${l}`).join('\n'));
    });
    const failed = verdicts.filter((v) => !v.ok).length + (tableOk ? 0 : 1);
    const all = (f: (v: Verdict) => number) => verdicts.reduce((a, v) => a + f(v), 0);
    console.log('');
    console.log(
      `checks over ${o.consumers} consumer(s): count ${verdicts.every((v) => v.count === v.expectedCount) ? 'ok' : 'WRONG'}, ` +
        `checksum ${verdicts.every((v) => v.checksum === v.expectedChecksum) ? 'ok' : 'WRONG'}, ` +
        `lost ${all((v) => v.lost)}, duplicated ${all((v) => v.duplicated)}, out of order ${all((v) => v.outOfOrder)}`,
    );
    console.log(`elapsed ${elapsed.toFixed(1)} s; appended ${n(total)} events in ${produceSeconds.toFixed(1)} s = ${n(Math.round(total / produceSeconds))} events/s (${n(rolledBack)} transactions rolled back and retried); consumed ${n(Math.round((total * o.consumers) / elapsed))} events/s over ${o.consumers} consumer(s)`);
    console.log(failed ? `stress: FAILED (${failed} check(s))` : 'stress: OK');
    return failed ? 1 : 0;
  } finally {
    removeInterrupt();
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    await db?.close();
  }
}

try {
  process.exitCode = await main(process.argv);
} catch (err) {
  console.error(`stress: ${(err as Error).message}`);
  process.exitCode = 1;
}
