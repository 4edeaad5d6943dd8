// The hot-standby path (docs/push.md): LISTEN is refused during recovery, so a reader of a
// standby runs the watcher in its own process against the standby (Wakeups mode 'watch'). A
// position subscriber on the standby that polls once a minute then gets an event committed on
// the primary as soon as the standby has replayed it. On a real streaming standby.
import t from 'tap';
import pg from 'pg';
import { subscribe, Wakeups, type Batch } from '../../src/index.ts';
import { primaryWithStandby } from '../lib/standby.ts';
import { within } from '../lib/wait.ts';

t.test('on a hot standby, watch-mode wake-ups deliver without LISTEN', async (t) => {
  const { dbUrl, standbyDbUrl: standbyUrl } = await primaryWithStandby(t);

  const listenOnStandby = new pg.Client({ connectionString: standbyUrl });
  await listenOnStandby.connect();
  t.teardown(() => listenOnStandby.end());
  await t.rejects(listenOnStandby.query('LISTEN eventlog_wake'), { code: '25006' }, 'LISTEN is refused on the standby (so mode listen cannot work there)');

  const wakeups = new Wakeups({ connectionString: standbyUrl, mode: 'watch' });
  t.teardown(() => wakeups.close());
  await wakeups.start();
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const it = subscribe({ connectionString: standbyUrl, from: '0', wakeups, pollIntervalMs: 60_000, signal: ac.signal })[Symbol.asyncIterator]();
  const next = it.next();

  const writer = new pg.Client({ connectionString: dbUrl });
  await writer.connect();
  t.teardown(() => writer.end());
  await writer.query(`SELECT eventlog.log_event('{"on": "primary"}')`);
  const got = (await within('the standby subscriber to be woken (its poll is a minute)', next, 15_000)).value as Batch;
  t.same(got.events.map((e) => e.payload), [{ on: 'primary' }], 'the subscriber on the standby gets the event');
  t.ok(wakeups.wakes >= 1, `woken by the in-process watcher (${wakeups.wakes} wake-ups)`);
});
