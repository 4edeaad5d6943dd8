// The shared tail's cache: a subscriber may join the tail from a position only if every event
// after it is still cached. After evictions, the last evicted event is such a position (the whole
// cache follows it); anything older is not, and the subscriber keeps replaying from the log.
import pg from 'pg';
import t from 'tap';
import { Tail } from '../../src/serve/tail.ts';
import { freshDatabase } from '../lib/db.ts';
import { waitFor } from '../lib/wait.ts';

t.test('backlog(after) after evictions', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  t.teardown(() => pool.end());
  const tail = new Tail({ pool, connectionString: db.url, schema: 'eventlog', batchSize: 2, cacheEvents: 3, cacheBytes: 1 << 20, pollIntervalMs: 20, log: () => {} });
  await tail.start();
  t.teardown(() => tail.close());
  t.same(tail.backlog('0', 10), [], 'at the start: the start position, nothing after it');

  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 10) AS g`);
  await waitFor('the tail to read all 10', () => tail.head === '10');
  const etags = (a: { etag: string }[] | undefined) => a?.map((e) => e.etag);
  t.same(etags(tail.backlog('10', 10)), [], 'at the head: nothing after it');
  t.same(etags(tail.backlog('8', 10)), ['9', '10'], 'inside the cache: the cached events after it');
  t.same(etags(tail.backlog('7', 10)), ['8', '9', '10'], 'the last evicted event: the whole cache');
  t.equal(tail.backlog('6', 10), undefined, 'before it: not continuable from the cache');
  t.equal(tail.backlog('0', 10), undefined, 'the start position is gone once events were evicted');
  t.equal(tail.backlog('7', 2), undefined, 'more cached events after it than the caller takes at once: undefined');
});
