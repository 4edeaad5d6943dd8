// Gap safety across the append paths at once: 8 writers, each a LOGIN role that is only a
// member of eventlog_writer, mix plain INSERT (one row and several), COPY FROM STDIN (through
// psql, a transaction per call), log_event (an object and an array) and append_to_stream with
// several events (whose versions come from one reservation per call), some inside one
// transaction; some transactions sleep 1-2 s before they commit, some roll back; the writers
// share a few streams. A reader follows the log with get_event(after, 100) the whole time.
// Every committed event must be read exactly once, no rolled-back one, each writer's events in
// its own order, each transaction's events together, and every stream's versions 1..n on all
// paths together, in log order. A transaction refused with 40001 (an append that would put a
// stream's version before the previous one in log order) is retried, as the README says. A naive reader (`WHERE etag > last ORDER BY etag`) runs beside it and must lose
// events, or the interleaving did not happen and this test proves nothing.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { copyFromStdin, psqlScript } from '../lib/copy.ts';

const WRITERS = 8;
const TRANSACTIONS_PER_WRITER = 20;
const STREAMS = ['acct-0', 'acct-1', 'acct-2'];

type Path = 'insert' | 'copy' | 'log_event' | 'append_to_stream';

interface Appended {
  key: string;
  writer: number;
  seq: number;
  tx: string;
  path: Path;
  stream: string | null;
}

interface Seen {
  etag: string;
  key: string;
  writer: number;
  seq: number;
  tx: string;
  stream: string | null;
  version: number | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Deterministic pseudo-randomness, so a failure can be replayed.
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const literal = (s: string | null) => (s === null ? 'NULL' : `'${s.replace(/'/g, "''")}'`);
const payloadOf = (e: Appended) => JSON.stringify({ k: e.key, writer: e.writer, seq: e.seq, tx: e.tx });

t.test('INSERT, COPY and log_event from 8 writers: every committed event read once, in order, with dense stream versions', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const writerRole = await loginRole(t, db.url, ['eventlog_writer']);
  const readerRole = await loginRole(t, db.url, ['eventlog_reader']);
  const appended = new Map<string, Appended>();
  const committed = new Set<string>();
  const rolledBack = new Set<string>();
  const refused = new Set<string>();
  let writersDone = false;

  const writer = async (w: number) => {
    const client = await writerRole.connect();
    const rnd = random(w + 1);
    const pick = <T>(items: T[]) => items[Math.floor(rnd() * items.length)];
    let seq = 0;
    for (let i = 0; i < TRANSACTIONS_PER_WRITER; i++) {
      // One stream per transaction (or none), so that writers never lock two streams in
      // opposite orders; events without a stream in between.
      const stream = rnd() < 0.7 ? pick(STREAMS) : null;
      const slow = w < 3 && rnd() < 0.2 ? 1 + rnd() : 0;
      const rollBack = rnd() > 0.88;
      // An append that would put a stream's next version before the previous one in log order is
      // refused with 40001 (README); the writer retries the whole transaction, as a client should.
      for (let attempt = 0; ; attempt++) {
        const tx = `${w}:${i}:${attempt}`;
        const events: Appended[] = [];
        const next = (path: Path, count: number) => {
          const batch = Array.from({ length: count }, () => {
            const e: Appended = { key: `${w}:${seq}`, writer: w, seq: seq++, tx, path, stream: rnd() < 0.8 ? stream : null };
            appended.set(e.key, e);
            return e;
          });
          events.push(...batch);
          return batch;
        };
        let refusal: string | undefined;
        if (rnd() < 0.35) {
          // COPY through psql, a transaction of its own, sometimes with a plain INSERT or a
          // log_event after it in the same transaction.
          const rows = next('copy', 1 + Math.floor(rnd() * 4));
          let script = 'BEGIN;\n' + copyFromStdin('eventlog.events (event_type, stream, payload, metadata)',
            rows.map((e) => ['mixed', e.stream, payloadOf(e), '{"path": "copy"}']));
          const after = rnd();
          if (after < 0.25) {
            const [e] = next('insert', 1);
            script += `INSERT INTO eventlog.events (event_type, stream, payload) VALUES ('mixed', ${literal(e.stream)}, ${literal(payloadOf(e))});\n`;
          } else if (after < 0.5) {
            const [e] = next('log_event', 1);
            e.stream = stream;
            script += `SELECT count(*) FROM eventlog.log_event(${literal(payloadOf(e))}, 'mixed', ${literal(stream)});\n`;
          }
          if (slow) script += `SELECT pg_sleep(${slow});\n`;
          script += rollBack ? 'ROLLBACK;\n' : 'COMMIT;\n';
          const r = await psqlScript(writerRole.env, script);
          if (r.error?.code === '40001') refusal = r.error.message;
          else if (r.code !== 0) throw new Error(`writer ${w}, transaction ${tx}: psql failed: ${r.stderr}`);
        } else {
          await client.query('BEGIN');
          try {
            for (let statements = 1 + Math.floor(rnd() * 2); statements > 0; statements--) {
              const how = pick(['insert1', 'insertN', 'logObject', 'logArray', 'appendN'] as const);
              if (how === 'appendN' && stream !== null) {
                // Several events in one call: one reservation of their versions (docs/streams.md).
                const rows = next('append_to_stream', 2 + Math.floor(rnd() * 3));
                rows.forEach((e) => (e.stream = stream));
                const events = rows.map((e) => ({ type: 'mixed', payload: JSON.parse(payloadOf(e)), metadata: { path: 'append_to_stream' } }));
                const { rows: returned } = await client.query<{ version: number }>(
                  'SELECT version FROM eventlog.append_to_stream($1::text, $2::jsonb)', [stream, JSON.stringify(events)]);
                const first = returned[0]?.version;
                if (returned.length !== rows.length || returned.some((r, j) => r.version !== first + j)) {
                  throw new Error(`append_to_stream returned versions ${returned.map((r) => r.version)} for ${rows.length} events`);
                }
              } else if (how === 'insert1' || how === 'insertN' || how === 'appendN') {
                const rows = next('insert', how === 'insert1' ? 1 : 2 + Math.floor(rnd() * 3));
                const params = rows.flatMap((e) => [e.stream, payloadOf(e)]);
                const values = rows.map((_, j) => `('mixed', $${2 * j + 1}::text, $${2 * j + 2}::jsonb, '{"path": "insert"}')`).join(', ');
                const { rows: returned } = await client.query(
                  `INSERT INTO eventlog.events (event_type, stream, payload, metadata) VALUES ${values} RETURNING payload`, params);
                if (returned.length !== rows.length) throw new Error(`INSERT ... RETURNING gave ${returned.length} rows for ${rows.length}`);
              } else {
                // log_event takes one stream for all the events of a call.
                const rows = next('log_event', how === 'logObject' ? 1 : 2 + Math.floor(rnd() * 3));
                rows.forEach((e) => (e.stream = stream));
                const payload = how === 'logObject' ? payloadOf(rows[0]) : `[${rows.map(payloadOf).join(', ')}]`;
                await client.query(`SELECT count(*) FROM eventlog.log_event($1::jsonb, 'mixed', $2::text, '{"path": "log_event"}')`, [payload, stream]);
              }
            }
            if (slow) await client.query('SELECT pg_sleep($1)', [slow]);
            await client.query(rollBack ? 'ROLLBACK' : 'COMMIT');
          } catch (err) {
            if ((err as pg.DatabaseError).code !== '40001') throw err;
            refusal = (err as pg.DatabaseError).message;
            await client.query('ROLLBACK');
          }
        }
        if (refusal !== undefined) {
          events.forEach((e) => refused.add(e.key));
          if (attempt >= 20) throw new Error(`writer ${w}, transaction ${i}: refused ${attempt + 1} times: ${refusal}`);
          continue;
        }
        events.forEach((e) => (rollBack ? rolledBack : committed).add(e.key));
        break;
      }
    }
  };

  const follow = async (read: (client: pg.Client, last: string) => Promise<Seen[]>) => {
    const client = await readerRole.connect();
    const seen: Seen[] = [];
    let last = '0';
    let idleAfterDone = 0;
    while (idleAfterDone < 3) {
      const done = writersDone;
      const batch = await read(client, last);
      seen.push(...batch);
      if (batch.length > 0) last = batch[batch.length - 1].etag;
      if (done && batch.length === 0) idleAfterDone++;
      if (batch.length === 0) await sleep(10);
    }
    return seen;
  };

  type Row = { etag: string; stream: string | null; version: number | null; payload: { k: string; writer: number; seq: number; tx: string } };
  const toSeen = (rows: Row[]) =>
    rows.map((r) => ({ etag: r.etag, key: r.payload.k, writer: r.payload.writer, seq: r.payload.seq, tx: r.payload.tx, stream: r.stream, version: r.version }));

  const reader = follow(async (client, last) =>
    toSeen((await client.query<Row>('SELECT etag, stream, version, payload FROM eventlog.get_event($1::bigint, 100)', [last])).rows));
  const naive = follow(async (client, last) =>
    toSeen((await client.query<Row>('SELECT etag, stream, version, payload FROM eventlog.events WHERE etag > $1 ORDER BY etag LIMIT 100', [last])).rows));

  try {
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  } finally {
    writersDone = true;
  }
  const [seen, naiveSeen] = await Promise.all([reader, naive]);

  const committedBy = (path: Path) => [...committed].filter((k) => appended.get(k)!.path === path).length;
  t.ok(rolledBack.size > 0, `some transactions rolled back (${rolledBack.size} events)`);
  for (const path of ['insert', 'copy', 'log_event', 'append_to_stream'] as const) {
    t.ok(committedBy(path) > 0, `writers committed ${committedBy(path)} events by ${path}`);
  }

  const keys = seen.map((s) => s.key);
  t.equal(new Set(seen.map((s) => s.etag)).size, seen.length, 'no etag was read twice');
  t.equal(new Set(keys).size, keys.length, 'no event was read twice');
  t.same([...keys].sort(), [...committed].sort(), 'the reader got exactly the committed events');
  t.same(keys.filter((k) => rolledBack.has(k) || refused.has(k)), [],
    `no rolled-back event was read, nor one of the ${refused.size} events of attempts refused with 40001 and retried`);

  const outOfOrder: string[] = [];
  const lastSeq = new Map<number, number>();
  for (const s of seen) {
    if ((lastSeq.get(s.writer) ?? -1) > s.seq) outOfOrder.push(s.key);
    lastSeq.set(s.writer, s.seq);
  }
  t.same(outOfOrder, [], 'each writer\'s events arrive in the order it appended them');

  const runs: string[] = [];
  for (const s of seen) if (runs[runs.length - 1] !== s.tx) runs.push(s.tx);
  t.same(runs.filter((tx, i) => runs.indexOf(tx) !== i), [], 'each transaction\'s events arrive together, nothing between them');
  t.ok(runs.filter((tx) => new Set(seen.filter((s) => s.tx === tx).map((s) => appended.get(s.key)!.path)).size > 1).length > 0,
    'some transactions mixed two paths');

  const table = await db.query<{ k: string; stream: string | null; version: number | null }>(
    `SELECT payload->>'k' AS k, stream, version FROM eventlog.events`);
  t.same(table.map((r) => r.k).sort(), [...committed].sort(), 'the table holds exactly the committed events');

  const dense = (versions: (number | null)[]) => {
    const sorted = [...versions].sort((a, b) => (a ?? 0) - (b ?? 0));
    return sorted.every((v, i) => v === i + 1);
  };
  const streamRows = await db.query<{ stream: string; version: number }>('SELECT stream, version FROM eventlog.streams ORDER BY stream');
  for (const stream of STREAMS) {
    const inTable = table.filter((r) => r.stream === stream);
    const paths = new Set(inTable.map((r) => appended.get(r.k)!.path));
    t.same([...paths].sort(), ['append_to_stream', 'copy', 'insert', 'log_event'], `${stream} has committed events from all four paths`);
    t.ok(dense(inTable.map((r) => r.version)), `${stream}'s ${inTable.length} events have versions 1..${inTable.length}, no gap, no duplicate`);
    t.same(seen.filter((s) => s.stream === stream).map((s) => s.version), inTable.map((_, i) => i + 1),
      `and the reader saw ${stream}'s versions 1..${inTable.length} in that order`);
    t.same(streamRows.find((r) => r.stream === stream)?.version, inTable.length, `eventlog.streams has ${stream} at version ${inTable.length}`);
  }
  t.same(table.filter((r) => r.stream === null && r.version !== null), [], 'events without a stream have no version');

  const naiveKeys = new Set(naiveSeen.map((s) => s.key));
  const naiveLost = [...committed].filter((k) => !naiveKeys.has(k)).length;
  t.ok(naiveLost > 0, `a naive etag reader lost ${naiveLost} events in the same run, so the interleaving was real`);
});
