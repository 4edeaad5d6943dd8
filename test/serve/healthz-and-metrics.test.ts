// GET /healthz answers 200 while the database does and 503 while it does not (and the stream
// carries on after it is back); GET /metrics is Prometheus text with subscribers, events sent and
// the lag of each named client a stream follows.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { databaseUrl, withClient } from '../../scripts/lib/database.ts';
import { waitFor } from '../lib/wait.ts';
import { get, openSse, startServe } from './sse-client.ts';

t.test('/metrics: subscribers, events sent, per-client lag', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 5) AS g`);
  const h = await startServe(t, { connectionString: reader.url });
  const a = await openSse(`${h.url}/events?from=0`, {}, t);
  const b = await openSse(`${h.url}/events?from=2`, {}, t);
  const c = await openSse(`${h.url}/events?client=web`, {}, t);
  await Promise.all([a.waitFor(5), b.waitFor(3), c.waitFor(5)]);
  const m = await get(`${h.url}/metrics`);
  t.equal(m.status, 200, '200');
  t.equal(m.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8', 'the Prometheus text format');
  t.match(m.body, /^# HELP pg_eventlog_serve_subscribers .*\n# TYPE pg_eventlog_serve_subscribers gauge\n/m, 'HELP and TYPE lines');
  t.match(m.body, /^pg_eventlog_serve_subscribers\{state="live"\} 3$/m, 'three live subscribers');
  t.match(m.body, /^pg_eventlog_serve_events_sent_total 13$/m, 'events sent: 5 + 3 + 5');
  t.match(m.body, /^pg_eventlog_serve_client_lag_events\{client="web"\} 5$/m, 'client web: 5 events after its acknowledged cursor');
  t.match(m.body, /^pg_eventlog_serve_client_lag_seconds\{client="web"\} \d+(\.\d+)?(e-?\d+)?$/m, 'and their age in seconds');
  t.match(m.body, /^pg_eventlog_serve_tail_etag 5$/m, 'where the tail is');
  c.close();
  await c.ended;
  const after = await openSse(`${h.url}/events?client=web`, { 'Last-Event-ID': '4' }, t);
  await after.waitFor(1);
  t.match((await get(`${h.url}/metrics`)).body, /^pg_eventlog_serve_client_lag_events\{client="web"\} 1$/m, 'after a reconnect from etag 4, its lag is 1');
});

t.test('/healthz: 200, 503 while the database refuses connections, 200 again and the stream goes on', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  const h = await startServe(t, { connectionString: reader.url });
  const ok = await get(`${h.url}/healthz`);
  t.same([ok.status, ok.body], [200, 'ok\n'], '200 ok');
  const s = await openSse(`${h.url}/events`, {}, t);

  const allow = (yes: boolean) => withClient(databaseUrl(db.url, 'postgres'), (c) => c.query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS ${yes}`));
  await allow(false);
  t.teardown(() => allow(true).catch(() => {}));
  await withClient(databaseUrl(db.url, 'postgres'), (c) => c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [reader.name]));
  const down = await waitFor('/healthz to answer 503', async () => {
    const r = await get(`${h.url}/healthz`);
    return r.status === 503 && r;
  });
  t.match(down.body, /^the database does not answer: /, '503 while the database cannot be reached, saying so');

  await allow(true);
  await waitFor('/healthz to answer 200 again', async () => (await get(`${h.url}/healthz`)).status === 200);
  await db.query(`SELECT eventlog.log_event('{"n": 1}')`);
  const [m] = await s.waitFor(1, 'an event after the outage on the stream opened before it');
  t.same(m, { id: '1', event: 'event', data: '{"n":1}' }, 'the open stream carries on after the database is back');
});
