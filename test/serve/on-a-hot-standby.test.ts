// serve (and subscribe) against a real streaming hot standby (docs/push.md, "Hot standby"):
// streams without a client — replaying from ?from= and following new events — work there, woken
// by watch-mode wake-ups; a named client cannot (its cursor is written by peek_event and ack_event,
// and a standby writes nothing), so ?client= is refused with 503 and EL061 before anything is
// read, and so is subscribe({ client }); `--wakeups listen` cannot work there (LISTEN is refused
// during recovery) and is refused at start, before anything listens.
import http from 'node:http';
import pg from 'pg';
import t from 'tap';
import { freePort } from '../../scripts/lib/database.ts';
import { serve } from '../../src/serve/index.ts';
import { subscribe } from '../../src/index.ts';
import { loginRole } from '../lib/login.ts';
import { primaryWithStandby } from '../lib/standby.ts';
import { get, openSse, startServe } from './sse-client.ts';

t.test('serve on a hot standby: streams without a client work, ?client= is refused with 503 EL061, --wakeups listen at start', async (t) => {
  const { dbUrl, standby } = await primaryWithStandby(t);
  const reader = await loginRole(t, dbUrl, ['eventlog_reader']);
  const onStandby = standby.urlOf(reader.url);
  const primary = new pg.Client({ connectionString: dbUrl });
  primary.on('error', () => {});
  await primary.connect();
  t.teardown(() => primary.end());
  const write = async (from: number, to: number) => {
    await primary.query(`SELECT count(*) FROM eventlog.log_event((SELECT jsonb_agg(jsonb_build_object('n', g)) FROM generate_series($1::int, $2::int) AS g))`, [from, to]);
  };
  const ns = (s: { messages: { data: string }[] }) => s.messages.map((m) => JSON.parse(m.data).n as number);
  const clientsOnPrimary = async () => (await primary.query<{ client: string }>('SELECT client FROM eventlog.clients')).rows.map((r) => r.client);
  await write(1, 3);
  await standby.catchUp(); // the role and the events

  // 1. An option that cannot work there: refused at start, nothing listens.
  const port = await freePort();
  await t.rejects(serve({ connectionString: onStandby, port, wakeups: 'listen' }),
    { name: 'ServeError', code: 'EL061', message: /^EL061: --wakeups listen cannot work on a hot standby.*use --wakeups watch/ },
    '--wakeups listen on a standby: refused with EL061, naming the option that works');
  const connect = await new Promise<string>((resolve) => {
    http.get(`http://127.0.0.1:${port}/healthz`, () => resolve('answered')).on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
  t.equal(connect, 'ECONNREFUSED', 'and nothing listens on its port');

  // 2. Streams without a client, on the standby, woken by watch mode (the tail polls once a minute).
  const h = await startServe(t, { connectionString: onStandby, wakeups: 'watch', pollIntervalMs: 60_000 });
  const replaying = await openSse(`${h.url}/events?from=0`, {}, t);
  const live = await openSse(`${h.url}/events`, {}, t);
  await replaying.waitFor(3, 'the replay of the events the standby has');
  await write(4, 6);
  await replaying.waitFor(6, 'the events committed on the primary since, on the replaying stream');
  await live.waitFor(3, 'the new events on the live stream');
  t.same(ns(replaying), [1, 2, 3, 4, 5, 6], '?from=0 on the standby: every event once, in order, replay then tail');
  t.same(ns(live), [4, 5, 6], 'a stream of new events on the standby: every new event once');
  const resumed = await openSse(`${h.url}/events`, { 'Last-Event-ID': replaying.messages[1]!.id! }, t);
  await resumed.waitFor(4, 'the events after Last-Event-ID');
  t.same(ns(resumed), [3, 4, 5, 6], 'Last-Event-ID on the standby continues right after it');

  // 3. A named client: refused before anything is read or written, with and without Last-Event-ID.
  const visits: Record<string, string>[] = [{}, { 'Last-Event-ID': replaying.messages[2]!.id! }];
  for (const headers of visits) {
    const r = await get(`${h.url}/events?client=web`, headers);
    const what = Object.keys(headers).length ? 'with Last-Event-ID' : 'a first visit';
    t.equal(r.status, 503, `?client= on the standby (${what}): 503`);
    t.match(r.body, /^EL061: named clients need the primary: this server reads a hot standby/, 'the body names EL061 and why');
    t.match(r.body, /client "web"/, 'and the client');
    t.notOk(r.headers['content-type']?.startsWith('text/event-stream'), 'no stream was opened');
  }
  t.same(await clientsOnPrimary(), [], 'nothing was created or moved: the client does not exist on the primary');
  t.equal(live.isEnded(), false, 'the other streams go on');

  // 4. subscribe({ client }) on the standby refuses the same way; on the primary it works.
  const it = subscribe({ connectionString: onStandby, client: 'web', wakeups: false })[Symbol.asyncIterator]();
  await t.rejects(it.next(), { name: 'SubscribeError', code: 'EL061', message: /client "web" needs the primary/ }, 'subscribe({ client }) on a standby: EL061');

  // The same request against a serve of the primary is served (the refusal is the standby's).
  const hp = await startServe(t, { connectionString: reader.url });
  const named = await openSse(`${hp.url}/events?client=web`, {}, t);
  await named.waitFor(6, 'the named client\'s events from the primary');
  t.equal(named.status, 200, '?client= on the primary: 200');
  t.same(ns(named), [1, 2, 3, 4, 5, 6], 'and every event');
});
