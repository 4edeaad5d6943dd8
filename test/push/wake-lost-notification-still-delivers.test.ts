// Polling is the safety net: with the watcher stopped (every later notification lost), a
// subscriber still gets the next event, within its poll interval, and no wake-up arrived for it.
// With polling effectively off (a one-minute interval) the same situation would time out: the
// first half shows that the wake-up was delivering, the second that the poll takes over.
import t from 'tap';
import { subscribe, Wakeups, WakeWatcher, type Batch } from '../../src/index.ts';
import { freshDatabase } from '../lib/db.ts';
import { within } from '../lib/wait.ts';

t.test('a lost notification delays an event by at most the poll interval, never loses it', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const watcher = new WakeWatcher({ connectionString: db.url });
  await watcher.start();
  const wakeups = new Wakeups({ connectionString: db.url });
  t.teardown(() => wakeups.close());
  await wakeups.start();
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const POLL_MS = 400;
  const it = subscribe({ connectionString: db.url, from: '0', wakeups, pollIntervalMs: POLL_MS, signal: ac.signal })[Symbol.asyncIterator]();

  let next = it.next();
  await db.query(`SELECT eventlog.log_event('{"n": 1}')`);
  t.same(((await within('the first event', next)).value as Batch).events.map((e) => e.payload), [{ n: 1 }], 'with the watcher running, the event arrives');

  await watcher.close();
  const wakesBefore = wakeups.wakes;
  next = it.next();
  const committed = Date.now();
  await db.query(`SELECT eventlog.log_event('{"n": 2}')`);
  const got = (await within('the poll to deliver the event nobody announced', next, 10_000)).value as Batch;
  const waited = Date.now() - committed;
  t.same(got.events.map((e) => e.payload), [{ n: 2 }], 'with the watcher stopped, the event still arrives');
  t.equal(wakeups.wakes, wakesBefore, 'no wake-up announced it: the poll found it');
  t.ok(waited <= POLL_MS + 2_000, `within about one poll interval (${waited} ms, interval ${POLL_MS} ms)`);
});
