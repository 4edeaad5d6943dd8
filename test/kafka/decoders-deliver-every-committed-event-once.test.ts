// The log through real logical decoders, as Debezium reads it: a pgoutput slot on the publication
// of enable_publication(), streamed with pg-logical-replication while 8 writers append through
// INSERT, COPY and log_event (some slow, some rolled back), and a slot on Debezium's own plug-in,
// decoderbufs, read afterwards with pg_logical_slot_get_binary_changes and a protobuf decoder of
// our own. For each decoder: every committed event exactly once, no rolled-back one, each
// transaction's events together and in etag order under one BEGIN whose xid is the event's
// tx_order minus the clock offset, commit order in the WAL, every stream's versions 1..n in that
// order, a forced case where WAL order and log order differ, and the same set reordered by
// (tx_order, etag) equal to what get_event returns. A decoded row maps onto the outbox router's
// fields as the connector configuration in docs/kafka.md says. The log is partitioned: pgoutput
// names every insert eventlog.events (publish_via_partition_root), decoderbufs names the
// partition, which the decoding here maps back to the log through pg_inherits.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import { freshDatabase, repoRoot, type TestDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { waitFor, within } from '../lib/wait.ts';
import {
  connectorConfig, decodeRowMessage, hasDecoderbufs, outboxMessage, runWorkload, STREAMS, withSlot,
  type Decoded, type Workload,
} from './lib.ts';

const config = connectorConfig(readFileSync(path.join(repoRoot, 'docs', 'kafka.md'), 'utf8'));

interface Frame { xid: number; commitLsn?: bigint }

/** The partitions of the log, as schema.name (what decoderbufs and pgoutput's relation messages call them). */
const logPartitions = async (db: TestDatabase) =>
  (await db.query<{ name: string }>(
    `SELECT format('%s.%s', n.nspname, c.relname) AS name
     FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid JOIN pg_namespace AS n ON n.oid = c.relnamespace
     WHERE i.inhparent = 'eventlog.events'::regclass ORDER BY 1`)).map((r) => r.name);

const lsnToBigInt = (lsn: string) => {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
};

/** The checks every decoder must pass, on what it delivered for workload `w`. */
async function checkDelivery(t: Test, db: TestDatabase, w: Workload, decoded: Decoded[], decoder: string) {
  const keys = decoded.map((d) => d.key);
  t.equal(new Set(keys).size, keys.length, `${decoder}: no event was delivered twice`);
  t.same([...keys].sort(), [...w.committed].sort(), `${decoder}: exactly the ${w.committed.size} committed events were delivered`);
  t.same(keys.filter((k) => w.rolledBack.has(k)), [], `${decoder}: none of the ${w.rolledBack.size} rolled-back events was`);

  const { xid_offset: offset } = (await db.query<{ xid_offset: string }>('SELECT xid_offset FROM eventlog.clock'))[0];
  const badXid = decoded.filter((d) => Number(BigInt.asUintN(32, d.txOrder - BigInt(offset))) !== d.xid);
  t.same(badXid.map((d) => d.key), [], `${decoder}: every event's tx_order is the xid of its BEGIN plus the clock offset (${offset})`);

  // Each writer's transaction is one decoded transaction, contiguous, in etag order, one tx_order.
  const byTx = new Map<string, Decoded[]>();
  for (const d of decoded) {
    const tx = w.appended.get(d.key)!.tx;
    byTx.set(tx, [...(byTx.get(tx) ?? []), d]);
  }
  const split = [...byTx].filter(([, ds]) =>
    new Set(ds.map((d) => d.txn)).size !== 1 || new Set(ds.map((d) => d.txOrder)).size !== 1
    || ds.some((d, i) => i > 0 && (d.pos !== ds[i - 1].pos + 1 || d.etag <= ds[i - 1].etag)));
  t.same(split.map(([tx]) => tx), [], `${decoder}: each transaction's events arrive together, in etag order, with one tx_order`);
  t.ok(decoded.every((d, i) => i === 0 || d.txn >= decoded[i - 1].txn), `${decoder}: transactions are not interleaved`);

  for (const stream of STREAMS) {
    const versions = decoded.filter((d) => d.stream === stream).map((d) => d.version);
    t.same(versions, versions.map((_, i) => i + 1), `${decoder}: ${stream}'s versions arrive as 1..${versions.length} (per-stream order = log order)`);
  }

  const a = decoded.find((d) => d.key === w.inversion.a);
  const b = decoded.find((d) => d.key === w.inversion.b);
  t.ok(a && b && b.pos < a.pos && a.txOrder < b.txOrder,
    `${decoder}: B committed first and comes first in the WAL (${b?.pos} < ${a?.pos}), A took its position first and comes first in log order (tx_order ${a?.txOrder} < ${b?.txOrder})`);

  const inversions = decoded.filter((d, i) => i > 0 && d.txn !== decoded[i - 1].txn && d.txOrder < decoded[i - 1].txOrder).length;
  const logOrder = [...decoded].sort((x, y) => (x.txOrder === y.txOrder ? (x.etag < y.etag ? -1 : 1) : x.txOrder < y.txOrder ? -1 : 1));
  const fromGetEvent: string[] = [];
  for (let after = '0'; ;) {
    const rows = await db.query<{ etag: string; k: string }>(`SELECT etag, payload->>'k' AS k FROM eventlog.get_event($1::bigint, 1000)`, [after]);
    if (!rows.length) break;
    fromGetEvent.push(...rows.map((r) => r.k));
    after = rows[rows.length - 1].etag;
  }
  t.same(logOrder.map((d) => d.key), fromGetEvent,
    `${decoder}: sorted by (tx_order, etag), the decoded events are get_event's log order (${inversions} transactions came before one with a smaller tx_order)`);
}

t.test('pgoutput and decoderbufs deliver every committed event once, in commit order', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const writerRole = await loginRole(t, db.url, ['eventlog_writer']);
  await db.query('SELECT * FROM eventlog.enable_publication()');
  const decoderbufs = await hasDecoderbufs(db);

  await withSlot(db, 'pgoutput', async (pgoutputSlot) => {
    const runDecoderbufs = decoderbufs.ok
      ? (body: (slot: string) => Promise<void>) => withSlot(db, 'decoderbufs', body)
      : async (body: (slot: string) => Promise<void>) => body('');
    await runDecoderbufs(async (decoderbufsSlot) => {
      // pgoutput, streamed while the writers write, as Debezium does.
      const decoded: Decoded[] = [];
      const commits: bigint[] = [];
      const relations: Record<string, unknown>[] = [];
      const insertedInto = new Set<string>();
      let frame: Frame | undefined;
      let txn = -1;
      let firstRow: Record<string, unknown> | undefined;
      const service = new LogicalReplicationService({ connectionString: db.url }, { acknowledge: { auto: true, timeoutSeconds: 1 } });
      const errors: Error[] = [];
      service.on('error', (err) => errors.push(err));
      service.on('data', (_lsn: string, msg: any) => {
        try {
          onMessage(msg);
        } catch (err) {
          errors.push(err as Error);
        }
      });
      const onMessage = (msg: any) => {
        if (msg.tag === 'begin') { frame = { xid: msg.xid }; txn++; }
        else if (msg.tag === 'relation') relations.push(msg);
        else if (msg.tag === 'commit') { commits.push(lsnToBigInt(msg.commitLsn)); frame = undefined; }
        else if (msg.tag === 'insert' && `${msg.relation.schema}.${msg.relation.name}` !== 'eventlog.events') {
          insertedInto.add(`${msg.relation.schema}.${msg.relation.name}`); // checked below
        } else if (msg.tag === 'insert') {
          insertedInto.add('eventlog.events');
          const row = msg.new as Record<string, any>;
          firstRow ??= { ...row, relation: `${msg.relation.schema}.${msg.relation.name}` };
          decoded.push({
            pos: decoded.length, xid: frame!.xid, txn, etag: BigInt(row.etag), txOrder: BigInt(row.tx_order),
            stream: row.stream, version: row.version, eventType: row.event_type, key: row.payload.k, payload: JSON.stringify(row.payload),
          });
        } else if (msg.tag !== 'type' && msg.tag !== 'origin') errors.push(new Error(`unexpected pgoutput message ${msg.tag}`));
      };
      const streaming = service.subscribe(new PgoutputPlugin({ protoVersion: 1, publicationNames: ['eventlog'] }), pgoutputSlot)
        .catch((err: Error) => errors.push(err));
      let w: Workload;
      try {
        w = await runWorkload(db, writerRole);
        await waitFor('pgoutput to deliver the sentinel event', () => decoded.some((d) => d.key === w.sentinel) || errors.length > 0, { timeoutMs: 30_000 });
      } finally {
        await service.stop();
        await within('the replication stream to end', streaming, 10_000);
      }
      t.same(errors.map(String), [], 'the pgoutput stream had no errors');
      t.ok(w.rolledBack.size > 0 && decoded.length > 50, `the workload committed ${w.committed.size} events and rolled back ${w.rolledBack.size}`);
      t.ok(new Set(decoded.map((d) => w.appended.get(d.key)!.path)).size === 3, 'the decoded events came through INSERT, COPY and log_event');
      // The log is partitioned and published through its root: every insert names eventlog.events.
      // pgoutput still sends a relation message for the partition after the root's (PostgreSQL's
      // maybe_send_schema sends the ancestor's schema, then the relation's own), so relation
      // messages may name partitions of the log, but nothing else (not eventlog.streams).
      const partitions = await logPartitions(db);
      t.ok(partitions.length > 0, `the log is partitioned (${partitions.join(', ')})`);
      t.same([...insertedInto], ['eventlog.events'], 'every insert pgoutput sent names the log\'s root, eventlog.events, not a partition');
      const relationNames = [...new Set(relations.map((r) => `${r.schema}.${r.name}`))];
      t.ok(relationNames.includes('eventlog.events'), `pgoutput described the root eventlog.events (relations: ${relationNames.join(', ')})`);
      t.same(relationNames.filter((r) => r !== 'eventlog.events' && !partitions.includes(r)), [],
        'the publication carries the log and nothing else (not eventlog.streams)');
      t.ok(commits.every((lsn, i) => i === 0 || lsn > commits[i - 1]), 'pgoutput sends transactions in commit LSN order');
      await checkDelivery(t, db, w, decoded, 'pgoutput');

      // The outbox router, as configured in docs/kafka.md, on a row pgoutput decoded.
      const table = (await db.query<{ etag: string; stream: string; event_type: string; version: number }>(
        'SELECT etag, stream, event_type, version FROM eventlog.events WHERE etag = $1', [firstRow!.etag]))[0];
      const message = outboxMessage(config, firstRow!);
      t.same(
        { topic: message.topic, key: message.key, id: message.headers.id, type: message.headers.type, aggregate_id: message.headers.aggregate_id, version: message.headers.version },
        { topic: 'eventlog.events', key: table.stream, id: table.etag, type: table.event_type, aggregate_id: table.stream, version: table.version },
        'the router puts every event on topic eventlog.events, keyed by its stream, with id = etag and its type in a header',
      );
      t.same(message.value, (await db.query<{ payload: unknown }>('SELECT payload FROM eventlog.events WHERE etag = $1', [firstRow!.etag]))[0].payload,
        'and the payload as the message value');
      t.equal(message.timestampColumn, undefined,
        'no table.field.event.timestamp: the router takes only int64 timestamps, ctime (timestamptz) travels as a header');

      // decoderbufs, read after the fact from its slot.
      const skip = decoderbufs.ok ? false
        : `decoderbufs is not installed on this server (${decoderbufs.why}); install postgresql-NN-decoderbufs (.ci/run does) to run this part`;
      await t.test('decoderbufs, read from its slot afterwards, delivers the same', { skip }, async (t) => {
      await waitFor('decoderbufs to have the sentinel flushed', async () =>
        (await db.query<{ n: string }>(
          'SELECT count(*) AS n FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL)', [decoderbufsSlot]))[0].n !== '0', { timeoutMs: 10_000 });
      const rows = await db.query<{ data: Buffer }>('SELECT data FROM pg_logical_slot_get_binary_changes($1, NULL, NULL)', [decoderbufsSlot]);
      const dbDecoded: Decoded[] = [];
      const tables = new Set<string>();
      // decoderbufs has no publication: it names every row by the table it is stored in, so a
      // row of the partitioned log comes as eventlog.events_<lo> or eventlog.events_default.
      // Map those (pg_inherits, as a consumer would with table.include.list) to the log.
      const ofLog = new Set(partitions);
      let dbTxn = -1;
      let dbFrame: Frame | undefined;
      for (const { data } of rows) {
        const m = decodeRowMessage(data);
        if (m.op === 'BEGIN') { dbFrame = { xid: m.transactionId }; dbTxn++; continue; }
        if (m.op === 'COMMIT') { dbFrame = undefined; continue; }
        const table = m.table !== undefined && ofLog.has(m.table) ? 'eventlog.events' : m.table;
        tables.add(`${table}:${m.op}`);
        if (table !== 'eventlog.events') continue;
        const col = (name: string) => m.newTuple.get(name);
        const payload = JSON.parse(col('payload') as string);
        dbDecoded.push({
          pos: dbDecoded.length, xid: dbFrame!.xid, txn: dbTxn, etag: col('etag') as bigint, txOrder: col('tx_order') as bigint,
          stream: (col('stream') as string | null) ?? null, version: col('version') === null || col('version') === undefined ? null : Number(col('version')),
          eventType: col('event_type') as string, key: payload.k, payload: JSON.stringify(payload),
        });
      }
      t.ok(tables.has('eventlog.events:INSERT'), `decoderbufs decoded the log's inserts (it reads every table: ${[...tables].sort().join(', ')})`);
      t.same([...tables].filter((x) => x.startsWith('eventlog.events:') && x !== 'eventlog.events:INSERT'), [],
        'and nothing but inserts of the log');
      await checkDelivery(t, db, w!, dbDecoded, 'decoderbufs');
      t.same(dbDecoded.map((d) => d.key), decoded.map((d) => d.key), 'decoderbufs and pgoutput deliver the same events in the same order');
      });
    });
  });
});
