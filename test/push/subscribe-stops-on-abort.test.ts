// AbortSignal stops a subscriber cleanly wherever it is: waiting for a wake-up (with a poll of a
// minute), or waiting to reconnect to a database that refuses connections; the iteration ends
// (no error) and every connection it opened is closed. Wakeups.close() and WakeWatcher.close()
// leave no connection behind either.
import t from 'tap';
import { subscribe, Wakeups, WakeWatcher } from '../../src/index.ts';
import { freePort } from '../../scripts/lib/database.ts';
import { freshDatabase } from '../lib/db.ts';
import { waitFor, within } from '../lib/wait.ts';

t.test('abort while waiting for a wake-up ends the loop and closes its connections', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const connections = async () => (await db.query<{ application_name: string }>(
    `SELECT application_name FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'pg-eventlog %' ORDER BY 1`)).map((r) => r.application_name);
  const watcher = new WakeWatcher({ connectionString: db.url });
  await watcher.start();
  const ac = new AbortController();
  const loop = (async () => {
    let batches = 0;
    for await (const _ of subscribe({ connectionString: db.url, from: '0', pollIntervalMs: 60_000, signal: ac.signal })) batches++;
    return batches;
  })();
  await waitFor('the subscriber and its own listener to connect', async () =>
    (await connections()).join() === 'pg-eventlog listen,pg-eventlog subscribe,pg-eventlog wake');
  // … and to have read (finding nothing), so that it is waiting when the abort comes.
  await waitFor('the subscriber to have read the empty log', async () => (await db.query(
    `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pg-eventlog subscribe' AND state = 'idle' AND query LIKE '%get_event%'`)).length === 1);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const started = Date.now();
  ac.abort();
  t.equal(await within('the loop to end after the abort', loop, 5_000), 0, 'the loop ends without an error');
  t.ok(Date.now() - started < 2_000, `promptly, not at the next poll (${Date.now() - started} ms)`);
  await watcher.close();
  t.same(await waitFor('their connections to close', async () => ((await connections()).length === 0 ? ['none'] : false)), ['none'],
    'no connection of the subscriber, its listener or the watcher is left');
});

t.test('abort while reconnecting to a database that is down ends the loop', async (t) => {
  const port = await freePort();
  const url = `postgres://nobody@127.0.0.1:${port}/nowhere`;
  const errors: Error[] = [];
  const ac = new AbortController();
  const wakeups = new Wakeups({ connectionString: url, onError: (e) => errors.push(e) });
  void wakeups.start();
  const loop = (async () => {
    for await (const _ of subscribe({ connectionString: url, from: '0', wakeups, signal: ac.signal, onError: (e) => errors.push(e) })) { /* nothing comes */ }
  })();
  await waitFor('the subscriber to report refused connections', () => errors.length >= 2, { timeoutMs: 10_000 });
  t.match(errors[0].message + (errors[0] as { code?: string }).code, /ECONNREFUSED|connect/, `it reports the connection error and retries (${errors.length} so far)`);
  ac.abort();
  await within('the loop to end after the abort', loop, 5_000);
  await within('the listener to close', wakeups.close(), 5_000);
  const count = errors.length;
  await new Promise((r) => setTimeout(r, 500));
  t.equal(errors.length, count, 'and nothing retries after it: the loop and the listener ended while the database was still down');
});
