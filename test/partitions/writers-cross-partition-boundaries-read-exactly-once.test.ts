// Gap safety across partition boundaries (docs/partitions.md): with partitions of 64 etags, 8
// writers (log_event and plain INSERT, on three shared streams and without a stream, some holding
// their transaction open, some rolling back) push the log across many boundaries while a
// maintenance loop adds partitions ahead and a reader follows with get_event. Beside them, one
// transaction straddles a boundary inside a single transaction, and one long transaction appends
// before and after the log moved several partitions on. Every committed event must be read
// exactly once, in the log's order; each transaction's events contiguous and in order.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';
import { sleep, waitFor } from '../lib/wait.ts';

const WRITERS = 8;
const TRANSACTIONS_PER_WRITER = 25;
const SIZE = 64;

interface Seen { etag: string; key: string; tx: string }

function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

t.test('writers crossing partition boundaries are read exactly once, in log order', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT eventlog.set_partition_size(${SIZE})`);
  const committed = new Set<string>();
  const txOf = new Map<string, string>(); // event key -> transaction name, for contiguity
  let retries = 0;
  const reasons = new Map<string, number>();
  let writersDone = false;

  const append = async (client: pg.Client, events: { key: string }[], mode: number, stream: string | null) => {
    if (mode === 0) {
      await client.query('SELECT eventlog.log_event($1::jsonb, $2, $3)', [JSON.stringify(events), 'e', stream]);
    } else {
      const values = events.map((_, i) => `($1, $${i + 2}::jsonb)`).join(', ');
      await client.query(`INSERT INTO eventlog.events (stream, payload) VALUES ${values}`, [stream, ...events.map((e) => JSON.stringify(e))]);
    }
  };

  const writer = async (w: number) => {
    const client = await db.connect();
    const rnd = random(w + 7);
    for (let i = 0; i < TRANSACTIONS_PER_WRITER; i++) {
      const count = 1 + Math.floor(rnd() * 4);
      const events = Array.from({ length: count }, (_, j) => ({ key: `${w}:${i}:${j}` }));
      const roll = rnd();
      const stream = roll < 0.5 ? `s${Math.floor(rnd() * 3)}` : null;
      const mode = rnd() < 0.5 ? 0 : 1;
      for (;;) {
        try {
          await client.query('BEGIN');
          await append(client, events, mode, stream);
          if (w < 2 && roll < 0.2) await client.query('SELECT pg_sleep(0.3)');
          if (roll > 0.9) {
            await client.query('ROLLBACK');
          } else {
            await client.query('COMMIT');
            events.forEach((e) => { committed.add(e.key); txOf.set(e.key, `${w}:${i}`); });
          }
          break;
        } catch (err) {
          await client.query('ROLLBACK');
          if ((err as pg.DatabaseError).code !== '40001') throw err;
          retries++;
          reasons.set((err as Error).message.replace(/[0-9]+/g, 'N'), (reasons.get((err as Error).message.replace(/[0-9]+/g, 'N')) ?? 0) + 1);
        }
      }
    }
  };

  const maintenance = (async () => {
    const client = await db.connect();
    while (!writersDone) {
      await client.query('SELECT count(*) FROM eventlog.ensure_partitions(2)');
      await sleep(20);
    }
  })();

  const reader = (async () => {
    const client = await db.connect();
    const seen: Seen[] = [];
    let last = '0';
    let idle = 0;
    while (idle < 3) {
      const done = writersDone;
      const rows = (await client.query<{ etag: string; payload: { key: string }; tx_order: string }>(
        'SELECT etag, payload, tx_order FROM eventlog.get_event($1, 50)', [last])).rows;
      seen.push(...rows.map((r) => ({ etag: r.etag, key: r.payload.key, tx: r.tx_order })));
      if (rows.length > 0) last = rows[rows.length - 1].etag;
      if (done && rows.length === 0) idle++;
      if (rows.length === 0) await sleep(10);
    }
    return seen;
  })();

  // One long transaction: an event now, more after the log moved three partitions on.
  const long = (async () => {
    const client = await db.connect();
    await client.query('BEGIN');
    const first = (await client.query<{ etag: string }>(`INSERT INTO eventlog.events (payload) VALUES ('{"key": "long:0"}') RETURNING etag`)).rows[0].etag;
    await waitFor('the log to move three partitions past the long transaction\'s first event', async () =>
      BigInt((await db.query<{ v: string }>(`SELECT pg_sequence_last_value('eventlog.events_etag_seq') AS v`))[0].v) / BigInt(SIZE)
        >= BigInt(first) / BigInt(SIZE) + 3n);
    await client.query(`INSERT INTO eventlog.events (payload) VALUES ('{"key": "long:1"}'), ('{"key": "long:2"}')`);
    await client.query('COMMIT');
    ['long:0', 'long:1', 'long:2'].forEach((k) => { committed.add(k); txOf.set(k, 'long'); });
  })();

  // One transaction that appends one event at a time until its events lie in two partitions.
  const straddle = (async () => {
    const client = await db.connect();
    await client.query('BEGIN');
    const parts = new Set<string>();
    let n = 0;
    while (parts.size < 2 && n < 3 * SIZE) {
      const key = `straddle:${n++}`;
      const r = await client.query<{ p: string }>(
        `INSERT INTO eventlog.events (stream, payload) VALUES ('straddle', $1) RETURNING tableoid::regclass::text AS p`, [JSON.stringify({ key })]);
      parts.add(r.rows[0].p);
      txOf.set(key, 'straddle');
      committed.add(key);
      await sleep(2);
    }
    await client.query('COMMIT');
    return parts.size;
  })();

  await Promise.all([...Array.from({ length: WRITERS }, (_, w) => writer(w)), long]);
  const straddleParts = await straddle;
  writersDone = true;
  const [seen] = await Promise.all([reader, maintenance]);

  const partitions = (await db.query<{ p: string; n: string }>(
    `SELECT tableoid::regclass::text AS p, count(*) AS n FROM eventlog.events GROUP BY 1`));
  t.ok(partitions.length >= 6, `the events lie in ${partitions.length} partitions`);
  t.equal(straddleParts, 2, 'one transaction\'s events straddle a partition boundary');
  const longParts = (await db.query<{ n: string }>(
    `SELECT count(DISTINCT tableoid) AS n FROM eventlog.events WHERE payload->>'key' LIKE 'long:%'`))[0].n;
  t.equal(Number(longParts), 2, 'the long transaction\'s events lie in two partitions, three apart');

  const keys = seen.map((s) => s.key);
  t.equal(new Set(keys).size, keys.length, 'no event was read twice');
  t.same(new Set(keys), committed, `the reader got exactly the ${committed.size} committed events`);
  const inLogOrder = (await db.query<{ key: string }>(
    `SELECT payload->>'key' AS key FROM eventlog.events ORDER BY tx_order, etag`)).map((r) => r.key);
  t.same(keys, inLogOrder, 'in the log\'s (tx_order, etag) order');

  // A transaction's events are contiguous in the reader's order and keep their insertion order.
  const broken: string[] = [];
  const closed = new Set<string>();
  let current = '';
  for (const k of keys) {
    const tx = txOf.get(k)!;
    if (tx !== current) {
      if (closed.has(tx)) broken.push(k);
      if (current) closed.add(current);
      current = tx;
    }
  }
  t.same(broken, [], 'every transaction\'s events are contiguous');
  const idx = (k: string) => Number(k.split(':').at(-1));
  const byTx = new Map<string, string[]>();
  for (const k of keys) byTx.set(txOf.get(k)!, [...(byTx.get(txOf.get(k)!) ?? []), k]);
  t.same([...byTx.entries()].filter(([, ks]) => ks.some((k, i) => i > 0 && idx(k) < idx(ks[i - 1]))).map(([tx]) => tx), [],
    'and in the order they were appended');

  const versions = await db.query<{ stream: string; ok: boolean }>(
    `SELECT stream, array_agg(version ORDER BY tx_order, etag) = array_agg(version ORDER BY version) AS ok
     FROM eventlog.events WHERE stream IS NOT NULL GROUP BY stream`);
  t.same(versions.filter((v) => !v.ok).map((v) => v.stream), [], 'every stream\'s versions increase in log order across partitions');
  t.comment(`${retries} transactions retried after 40001: ${JSON.stringify([...reasons])}`);
});
