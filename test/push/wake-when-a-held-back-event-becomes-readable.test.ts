// Wake-ups follow the read horizon, not commits: an event committed while an older transaction
// (which writes no event) stays open is held back (docs/ordering.md), so no wake-up may announce
// it then; when the older transaction ends, the horizon passes the event and the watcher wakes
// the subscriber, although no event was committed at that moment. The subscriber polls only once
// a minute, so only that wake-up can deliver the event in time; the watcher's own wait on the
// server lasts a minute too, so it must notice the horizon move while waiting.
import t from 'tap';
import { subscribe, Wakeups, WakeWatcher, type Batch } from '../../src/index.ts';
import { freshDatabase } from '../lib/db.ts';
import { sleep, within } from '../lib/wait.ts';

t.test('the wake-up comes when a held-back event becomes readable', async (t) => {
  const db = await freshDatabase(t, { install: true });
  // One wait on the server lasts a minute here, so the watcher must see the horizon move inside
  // a wait (not merely when it calls again).
  const watcher = new WakeWatcher({ connectionString: db.url, waitMs: 60_000 });
  t.teardown(() => watcher.close());
  await watcher.start();
  const wakeups = new Wakeups({ connectionString: db.url });
  t.teardown(() => wakeups.close());
  await wakeups.start();
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const it = subscribe({ connectionString: db.url, from: '0', wakeups, pollIntervalMs: 60_000, signal: ac.signal })[Symbol.asyncIterator]();
  let delivered = false;
  const next = it.next().then((r) => ((delivered = true), r));

  // An older transaction that has a transaction id but writes no event.
  const older = await db.connect();
  await older.query('BEGIN');
  await older.query('SELECT pg_current_xact_id()');
  await db.query(`SELECT eventlog.log_event('{"n": 1}')`);
  const notifiedBefore = watcher.notifications;
  await sleep(500);
  t.equal(delivered, false, 'while the older transaction is open, the committed event is held back');
  t.equal(watcher.notifications, notifiedBefore, 'and no wake-up announced it');

  await older.query('COMMIT');
  const got = (await within('the wake-up once the horizon passes the event', next, 10_000)).value as Batch;
  t.same(got.events.map((e) => e.payload), [{ n: 1 }], 'when the older transaction ends, the event is delivered at once');
  t.ok(watcher.notifications > notifiedBefore, 'announced by the watcher when the horizon moved');
});
