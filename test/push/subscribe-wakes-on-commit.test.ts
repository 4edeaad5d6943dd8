// The wake-up path: a subscriber waiting with a safety-net poll of a minute sees an event within
// seconds of its commit, which only a wake-up can explain: the watcher saw log_end() move and
// sent one NOTIFY, the shared listener emitted 'wake', the subscriber read. The writer runs a
// plain INSERT as eventlog_writer, with no NOTIFY of its own (it could not: the test checks that
// the writer's transaction sent nothing by counting the notifications the watcher sent).
import t from 'tap';
import { subscribe, Wakeups, WakeWatcher, type Batch } from '../../src/index.ts';
import { freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { within } from '../lib/wait.ts';

t.test('a waiting subscriber with a one-minute poll sees a committed event through the wake-up', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  const writer = await loginRole(t, db.url, ['eventlog_writer']);
  await db.query(`SELECT eventlog.log_event('{"n": 0}')`);

  const watcher = new WakeWatcher({ connectionString: reader.url });
  t.teardown(() => watcher.close());
  await watcher.start();
  const wakeups = new Wakeups({ connectionString: reader.url });
  t.teardown(() => wakeups.close());
  await wakeups.start();

  const stop = new AbortController();
  t.teardown(() => stop.abort());
  const got: Batch[] = [];
  const it = subscribe({ connectionString: reader.url, from: '0', wakeups, pollIntervalMs: 60_000, signal: stop.signal })[Symbol.asyncIterator]();

  const first = await within('the first batch (the event already in the log)', it.next());
  t.same((first.value as Batch).events.map((e) => e.payload), [{ n: 0 }], 'the subscriber starts with what is already there');
  got.push(first.value as Batch);

  // The subscriber is now waiting: read once more, found nothing, and sleeps for up to a minute.
  const next = it.next();
  const sentBefore = watcher.notifications;
  const app = await writer.connect();
  const committedAt = Date.now();
  await app.query(`INSERT INTO eventlog.events (event_type, stream, payload) VALUES ('greeted', 'user-1', '{"n": 1}')`);
  const second = await within('the wake-up to deliver the new event (polling would take a minute)', next, 10_000);
  const batch = second.value as Batch;
  t.same(batch.events.map((e) => [e.eventType, e.stream, e.payload]), [['greeted', 'user-1', { n: 1 }]], 'the new event arrives');
  t.ok(Date.now() - committedAt < 10_000, `well before the one-minute poll (${Date.now() - committedAt} ms)`);
  t.equal(batch.after, batch.events[0].etag, 'after is the etag of the batch\'s last event');
  t.ok(watcher.notifications > sentBefore, `the watcher sent the notification (${watcher.notifications - sentBefore})`);
  t.ok(wakeups.wakes > 0, 'the shared listener emitted the wake-up');

  stop.abort();
  const end = await within('the subscriber to stop on abort', it.next());
  t.equal(end.done, true, 'after the abort, the iteration ends');
});
