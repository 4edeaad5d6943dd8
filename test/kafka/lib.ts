// Shared by the tests in test/kafka/: replication slots that are always dropped, a minimal
// decoder for Debezium's decoderbufs protobuf messages, and the concurrent workload whose
// committed events every decoder must deliver exactly once.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { copyFromStdin, psqlScript } from '../lib/copy.ts';
import type { TestDatabase } from '../lib/db.ts';
import type { LoginRole } from '../lib/login.ts';
import { waitFor } from '../lib/wait.ts';

// ---------------------------------------------------------------------------------------------
// Slots

/** A fresh slot name: slots belong to the whole cluster, so each test makes its own. */
export const slotName = (what: string) => `pgel_test_${what}_${randomBytes(4).toString('hex')}`;

/**
 * Runs `body` with a logical slot on `plugin`, and drops the slot afterwards whatever happens (a
 * forgotten slot retains WAL for good, and DROP DATABASE refuses a database that has one). Waits
 * for a consumer that is still disconnecting to let go of it first.
 */
export async function withSlot<T>(db: TestDatabase, plugin: string, body: (slot: string) => Promise<T>): Promise<T> {
  const slot = slotName(plugin);
  await db.query('SELECT pg_create_logical_replication_slot($1, $2)', [slot, plugin]);
  try {
    return await body(slot);
  } finally {
    await waitFor(`slot ${slot} to be released by its consumer`, async () =>
      (await db.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]))[0]?.active !== true,
    { timeoutMs: 20_000 });
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  }
}

/** Whether the server has the decoderbufs output plug-in (Debian: postgresql-NN-decoderbufs). */
export async function hasDecoderbufs(db: TestDatabase): Promise<{ ok: boolean; why?: string }> {
  const slot = slotName('probe');
  try {
    await db.query('SELECT pg_create_logical_replication_slot($1, $2)', [slot, 'decoderbufs']);
    await db.query('SELECT pg_drop_replication_slot($1)', [slot]);
    return { ok: true };
  } catch (err) {
    return { ok: false, why: (err as Error).message };
  }
}

// ---------------------------------------------------------------------------------------------
// decoderbufs: a protobuf decoder for the few message types of pg_logicaldec.proto
// (https://github.com/debezium/postgres-decoderbufs/blob/main/proto/pg_logicaldec.proto).

export interface DecoderbufsRow {
  transactionId: number;
  commitTime: bigint;
  table?: string;
  op: 'INSERT' | 'UPDATE' | 'DELETE' | 'BEGIN' | 'COMMIT' | 'UNKNOWN';
  /** Column name -> value: bigint for int32/int64 datums, string for text, null for a NULL. */
  newTuple: Map<string, bigint | string | boolean | number | Buffer | null>;
  /** Column name -> type oid. */
  types: Map<string, number>;
}

function varint(buf: Buffer, at: { pos: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[at.pos++];
    if (b === undefined) throw new Error('protobuf: truncated varint');
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
    shift += 7n;
  }
}

/** The fields of one protobuf message: field number -> values in order (varints as bigint, LEN as Buffer). */
function fields(buf: Buffer): Map<number, (bigint | Buffer)[]> {
  const out = new Map<number, (bigint | Buffer)[]>();
  const at = { pos: 0 };
  while (at.pos < buf.length) {
    const key = varint(buf, at);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    let value: bigint | Buffer;
    if (wire === 0) value = varint(buf, at);
    else if (wire === 2) {
      const len = Number(varint(buf, at));
      value = buf.subarray(at.pos, at.pos + len);
      at.pos += len;
    } else if (wire === 1) {
      value = buf.readBigUInt64LE(at.pos);
      at.pos += 8;
    } else if (wire === 5) {
      value = BigInt(buf.readUInt32LE(at.pos));
      at.pos += 4;
    } else throw new Error(`protobuf: unsupported wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const OPS = new Map<bigint, DecoderbufsRow['op']>([[0n, 'INSERT'], [1n, 'UPDATE'], [2n, 'DELETE'], [3n, 'BEGIN'], [4n, 'COMMIT']]);
const asSigned64 = (v: bigint) => BigInt.asIntN(64, v);

/** Decodes one RowMessage as decoderbufs writes it. */
export function decodeRowMessage(buf: Buffer): DecoderbufsRow {
  const f = fields(buf);
  const one = (n: number) => f.get(n)?.[0];
  const row: DecoderbufsRow = {
    transactionId: Number(one(1) ?? 0n),
    commitTime: (one(2) as bigint | undefined) ?? 0n,
    table: (one(3) as Buffer | undefined)?.toString('utf8'),
    op: OPS.get(asSigned64((one(4) as bigint | undefined) ?? 0n)) ?? 'UNKNOWN',
    newTuple: new Map(),
    types: new Map(),
  };
  for (const datum of (f.get(5) ?? []) as Buffer[]) {
    const d = fields(datum);
    const name = (d.get(1)?.[0] as Buffer).toString('utf8');
    row.types.set(name, Number(d.get(2)?.[0] ?? 0n));
    let value: DecoderbufsRow['newTuple'] extends Map<string, infer V> ? V : never = null;
    if (d.has(3)) value = BigInt.asIntN(32, d.get(3)![0] as bigint);
    else if (d.has(4)) value = asSigned64(d.get(4)![0] as bigint);
    else if (d.has(7)) value = (d.get(7)![0] as bigint) !== 0n;
    else if (d.has(8)) value = (d.get(8)![0] as Buffer).toString('utf8');
    else if (d.has(9)) value = Buffer.from(d.get(9)![0] as Buffer);
    row.newTuple.set(name, value);
  }
  return row;
}

// ---------------------------------------------------------------------------------------------
// The workload

export const STREAMS = ['acct-0', 'acct-1', 'acct-2', 'acct-3'];
export type Path = 'insert' | 'copy' | 'log_event';

export interface Workload {
  /** Event key (payload.k) -> what was appended. */
  appended: Map<string, { key: string; writer: number; seq: number; tx: string; path: Path; stream: string | null }>;
  committed: Set<string>;
  /** Rolled back on purpose, or refused with 40001 and retried. */
  rolledBack: Set<string>;
  /** Keys of the events of the forced inversion: A took its position first, B committed first. */
  inversion: { a: string; b: string };
  /** Key of the last event, appended after every writer finished: a decoder that has it has everything before it. */
  sentinel: string;
}

function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const literal = (s: string | null) => (s === null ? 'NULL' : `'${s.replace(/'/g, "''")}'`);

/**
 * First a forced inversion of WAL order and log order (transaction A writes, B writes and commits,
 * A commits), then `writers` writers as `role` (a member of eventlog_writer only), each running
 * `transactions` transactions through INSERT, COPY or log_event, some slow (0.3-0.8 s before
 * COMMIT), some rolled back; one stream (or none) per transaction from a shared few; finally the
 * sentinel event.
 */
export async function runWorkload(db: TestDatabase, role: LoginRole, writers = 8, transactions = 12): Promise<Workload> {
  const w: Workload = {
    appended: new Map(), committed: new Set(), rolledBack: new Set(),
    inversion: { a: 'inversion:A', b: 'inversion:B' }, sentinel: 'sentinel',
  };
  const payloadOf = (key: string, tx: string) => JSON.stringify({ k: key, tx });

  // The inversion: A's transaction id comes first, B's commit does.
  const a = await role.connect();
  const b = await role.connect();
  await a.query('BEGIN');
  await a.query(`INSERT INTO eventlog.events (event_type, stream, payload) VALUES ('inverted', 'inv-a', $1)`, [payloadOf(w.inversion.a, 'A')]);
  await b.query(`INSERT INTO eventlog.events (event_type, stream, payload) VALUES ('inverted', 'inv-b', $1)`, [payloadOf(w.inversion.b, 'B')]);
  await a.query('COMMIT');
  w.appended.set(w.inversion.a, { key: w.inversion.a, writer: -1, seq: 0, tx: 'A', path: 'insert', stream: 'inv-a' });
  w.appended.set(w.inversion.b, { key: w.inversion.b, writer: -1, seq: 1, tx: 'B', path: 'insert', stream: 'inv-b' });
  w.committed.add(w.inversion.a).add(w.inversion.b);

  const writer = async (n: number) => {
    const client = await role.connect();
    const rnd = random(n + 7);
    let seq = 0;
    for (let i = 0; i < transactions; i++) {
      const stream = rnd() < 0.75 ? STREAMS[Math.floor(rnd() * STREAMS.length)] : null;
      const slow = rnd() < 0.2 ? 0.3 + rnd() / 2 : 0;
      const rollBack = rnd() < 0.15;
      const pathRoll = rnd();
      const path: Path = pathRoll < 0.3 ? 'copy' : pathRoll < 0.65 ? 'insert' : 'log_event';
      const count = 1 + Math.floor(rnd() * 4);
      for (let attempt = 0; ; attempt++) {
        const tx = `${n}:${i}:${attempt}`;
        const keys = Array.from({ length: count }, () => `${n}:${seq++}`);
        for (const key of keys) w.appended.set(key, { key, writer: n, seq: Number(key.split(':')[1]), tx, path, stream });
        let refused = false;
        if (path === 'copy') {
          let script = 'BEGIN;\n' + copyFromStdin('eventlog.events (event_type, stream, payload, metadata)',
            keys.map((k) => ['copied', stream, payloadOf(k, tx), '{"path": "copy"}']));
          if (slow) script += `SELECT pg_sleep(${slow});\n`;
          script += rollBack ? 'ROLLBACK;\n' : 'COMMIT;\n';
          const r = await psqlScript(role.env, script);
          if (r.error?.code === '40001' || r.error?.code === '40P01') refused = true;
          else if (r.code !== 0) throw new Error(`writer ${n}, transaction ${tx}: psql failed: ${r.stderr}`);
        } else {
          await client.query('BEGIN');
          try {
            if (path === 'insert') {
              const values = keys.map((_, j) => `('inserted', $1::text, $${j + 2}::jsonb, '{"path": "insert"}')`).join(', ');
              await client.query(`INSERT INTO eventlog.events (event_type, stream, payload, metadata) VALUES ${values}`,
                [stream, ...keys.map((k) => payloadOf(k, tx))]);
            } else {
              await client.query(`SELECT count(*) FROM eventlog.log_event($1::jsonb, 'logged', $2::text, '{"path": "log_event"}')`,
                [`[${keys.map((k) => payloadOf(k, tx)).join(', ')}]`, stream]);
            }
            if (slow) await client.query('SELECT pg_sleep($1)', [slow]);
            await client.query(rollBack ? 'ROLLBACK' : 'COMMIT');
          } catch (err) {
            const code = (err as pg.DatabaseError).code;
            if (code !== '40001' && code !== '40P01') throw err;
            refused = true;
            await client.query('ROLLBACK');
          }
        }
        if (refused) {
          keys.forEach((k) => w.rolledBack.add(k));
          if (attempt >= 20) throw new Error(`writer ${n}, transaction ${i}: refused ${attempt + 1} times`);
          continue;
        }
        keys.forEach((k) => (rollBack ? w.rolledBack : w.committed).add(k));
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, n) => writer(n)));

  await db.query(`SELECT count(*) FROM eventlog.log_event($1::jsonb, 'sentinel')`, [payloadOf(w.sentinel, 'sentinel')]);
  w.appended.set(w.sentinel, { key: w.sentinel, writer: -1, seq: 0, tx: 'sentinel', path: 'log_event', stream: null });
  w.committed.add(w.sentinel);
  return w;
}

/** One event as a decoder delivered it, with its transaction as the decoder framed it. */
export interface Decoded {
  /** Position in the decoded stream, from 0. */
  pos: number;
  /** The transaction id of the BEGIN that framed it. */
  xid: number;
  /** Number of the transaction in the decoded stream, from 0 (BEGIN ... COMMIT). */
  txn: number;
  etag: bigint;
  txOrder: bigint;
  stream: string | null;
  version: number | null;
  eventType: string;
  key: string;
  payload: string;
}

/** The outbox router settings of the connector configuration in docs/kafka.md (the first JSON block with connector.class). */
export function connectorConfig(markdown: string): Record<string, string> {
  for (const m of markdown.matchAll(/```json\n([\s\S]*?)```/g)) {
    const parsed = JSON.parse(m[1]) as { config?: Record<string, string> };
    if (parsed.config?.['connector.class']) return parsed.config;
  }
  throw new Error('docs/kafka.md has no JSON block with a connector configuration');
}

/** What Debezium's outbox event router makes of one row under `config` (only the parts we rely on). */
export function outboxMessage(config: Record<string, string>, row: Record<string, unknown>) {
  const field = (option: string, fallback: string) => config[`transforms.outbox.${option}`] ?? fallback;
  const need = (column: string) => {
    if (!(column in row)) throw new Error(`the router setting names column ${column}, which the decoded row does not have (${Object.keys(row).join(', ')})`);
    return row[column];
  };
  const routedBy = need(field('route.by.field', 'aggregatetype'));
  if (routedBy === null || routedBy === undefined) throw new Error('the route.by.field column is NULL: the router would fail');
  const replacement = field('route.topic.replacement', 'outbox.event.${routedByValue}');
  const headers: Record<string, unknown> = { id: need(field('table.field.event.id', 'id')) };
  for (const spec of field('table.fields.additional.placement', '').split(',').filter(Boolean)) {
    const [column, placement, alias] = spec.split(':');
    if (placement !== 'header') throw new Error(`placement ${placement} is not used by our configuration`);
    headers[alias ?? column] = need(column);
  }
  const timestampColumn = config['transforms.outbox.table.field.event.timestamp'];
  return {
    topic: replacement.replace('${routedByValue}', String(routedBy)),
    key: need(field('table.field.event.key', 'aggregateid')),
    value: need(field('table.field.event.payload', 'payload')),
    headers,
    timestampColumn,
  };
}
