// forget on a log written by several concurrent writers, called by a role that holds nothing but
// eventlog_admin: every row it did not erase is byte-for-byte what it was (its full text,
// compared row by row), the erased rows differ only in the erased keys, stream versions do not
// move, and the audit event reaches a log reader after the events it is about.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';

const WRITERS = 4;
const TRANSACTIONS = 25;

t.test('forget changes the erased keys of one stream and nothing else', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const role = `pgel_test_dpo_${randomBytes(4).toString('hex')}`;
  await db.query(`CREATE ROLE ${role} NOLOGIN`);
  t.teardown(() => db.query(`DROP ROLE IF EXISTS ${role}`));
  await db.query(`GRANT eventlog_admin TO ${role}`);

  await Promise.all(Array.from({ length: WRITERS }, async (_, w) => {
    const c = await db.connect();
    for (let i = 0; i < TRANSACTIONS; i++) {
      // Each writer its own streams: concurrent writers of one stream are the race tests' subject.
      const stream = `customer-${w}-${i % 3}`;
      const events = [
        { type: 'contact_changed', payload: { email: `u${w}-${i}@example.com`, phone: `+44 ${w}${i}`, n: i }, metadata: { w } },
        { type: 'order_placed', payload: { total: i * 10, email: `u${w}-${i}@example.com` } },
      ];
      await c.query('SELECT eventlog.append_to_stream($1, $2)', [stream, JSON.stringify(events)]);
      if (i % 5 === 0) await c.query(`SELECT eventlog.log_event('{"email": "loose@example.com"}', 'loose')`);
    }
  }));
  await db.query(`SELECT eventlog.save_snapshot('customer-1-0', 2, '{"email": "s@example.com", "orders": 1}')`);
  await db.query(`SELECT eventlog.save_snapshot('customer-2-0', 2, '{"email": "s@example.com", "orders": 1}')`);

  type Row = { etag: string; stream: string | null; event_type: string; full: string; payload: Record<string, unknown>; rest: string };
  const snapshotOf = () => db.query<Row>(
    `SELECT etag, stream, event_type, e::text AS full, payload, (e.etag, e.tx_order, e.ctime, e.event_type, e.stream, e.version, e.metadata)::text AS rest
     FROM eventlog.events AS e ORDER BY etag`);
  const before = await snapshotOf();
  const heads = await db.query('SELECT stream, version, last_etag FROM eventlog.stream_heads ORDER BY stream');
  const snapshotsBefore = await db.query(`SELECT n::text AS full FROM eventlog.snapshots AS n WHERE stream <> 'customer-1-0' ORDER BY stream, version`);

  const admin = await db.connect();
  await admin.query(`SET ROLE ${role}`);
  const [result] = (await admin.query<{ events_changed: number; snapshots_changed: number; audit_etag: string }>(
    `SELECT * FROM eventlog.forget('customer-1-0', ARRAY['email', 'phone'], ARRAY['contact_changed'])`)).rows;

  const after = await snapshotOf();
  const erased = before.filter((r) => r.stream === 'customer-1-0' && r.event_type === 'contact_changed');
  t.ok(erased.length > 0, `the stream had ${erased.length} events to erase`);
  t.same(result.events_changed, erased.length, 'forget reports each of them');
  t.same(result.snapshots_changed, 1, 'and the stream\'s snapshot');

  const afterByEtag = new Map(after.map((r) => [r.etag, r]));
  const erasedEtags = new Set(erased.map((r) => r.etag));
  const changedOthers = before.filter((r) => !erasedEtags.has(r.etag) && afterByEtag.get(r.etag)?.full !== r.full);
  t.same(changedOthers.map((r) => r.etag), [], `all ${before.length - erased.length} other events are byte-for-byte the same`);
  t.ok(erased.every((r) => afterByEtag.get(r.etag)?.rest === r.rest),
    'the erased events keep etag, position, time, type, stream, version and metadata');
  t.ok(erased.every((r) => {
    const { email: _e, phone: _p, ...kept } = r.payload;
    return JSON.stringify(afterByEtag.get(r.etag)?.payload) === JSON.stringify(kept);
  }), 'and lose exactly the erased keys');
  t.same(await db.query('SELECT stream, version, last_etag FROM eventlog.stream_heads ORDER BY stream'), heads, 'no stream version moved');
  t.same(await db.query(`SELECT n::text AS full FROM eventlog.snapshots AS n WHERE stream <> 'customer-1-0' ORDER BY stream, version`),
    snapshotsBefore, 'other streams\' snapshots are unchanged');

  const last = before[before.length - 1].etag;
  const delivered = await db.query<{ etag: string; event_type: string; payload: Record<string, unknown> }>(
    'SELECT etag, event_type, payload FROM eventlog.get_event($1, 10)', [last]);
  t.same(delivered.map((e) => e.etag), [result.audit_etag], 'a reader gets the audit event next, after every event it is about');
  t.match(delivered[0], {
    event_type: 'stream_forgotten',
    payload: { stream: 'customer-1-0', keys: ['email', 'phone'], event_types: ['contact_changed'], events_changed: erased.length, snapshots_changed: 1, by: role },
  }, 'it names the stream, keys, types, counts and the role');
  t.notMatch(JSON.stringify(delivered[0].payload), /example\.com|\+44/, 'and none of the erased values');
});
