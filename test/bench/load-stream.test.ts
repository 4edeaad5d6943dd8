// The load_stream bench module on its own: it builds the streams' log in a database of its own,
// times load_stream calls that each return the snapshot and the events after it, and drops the
// database; when it cannot run (here: a role without CREATEDB), it gives the reason instead of
// throwing, so the bench shows n/a after all its other figures.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { measureLoadStreamOrReason } from '../../scripts/lib/bench/load-stream.ts';
import { freshDatabase } from '../lib/db.ts';

t.test('measures load_stream on 100-event streams, then drops its database', async (t) => {
  const db = await freshDatabase(t);
  // 50 calls, however long they take: a one-second cap made 47 in a run on the loaded machine.
  const r = await measureLoadStreamOrReason(db.url, { events: 300, streams: 3, snapshotAt: 90, seconds: 120, maxCalls: 50, warmUpCalls: 5 });
  if (typeof r === 'string') throw new Error(r);
  t.match(r, { events: 300, streams: 3, eventsPerStream: 100, snapshotAt: 90, rowsPerCall: 11, calls: 50 }, 'every call returned the snapshot and the 10 events after it');
  t.ok(r.p50Ms > 0 && r.p99Ms >= r.p50Ms && r.maxMs >= r.p99Ms, 'p50 ≤ p99 ≤ max');
  t.match(r.database, /^pgel_bench_streams_/);
  t.same(await db.query('SELECT 1 FROM pg_database WHERE datname = $1', [r.database]), [], 'its database is dropped afterwards');
});

t.test('gives the reason when it cannot create its database', async (t) => {
  const db = await freshDatabase(t);
  const role = `pgel_nocreatedb_${randomBytes(4).toString('hex')}`;
  await db.query(`CREATE ROLE ${role} LOGIN PASSWORD 'x' NOCREATEDB`);
  t.teardown(() => db.query(`DROP ROLE ${role}`).catch(() => {}));
  const url = new URL(db.url);
  url.username = role;
  url.password = 'x';
  const r = await measureLoadStreamOrReason(url.toString(), { events: 100, streams: 1, snapshotAt: 50, seconds: 1 });
  t.match(r, /^failed: .*permission denied to create database/, 'a sentence, not a thrown error');
});
