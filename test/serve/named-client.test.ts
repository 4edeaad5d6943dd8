// ?client=<name> follows a named client. The server never acknowledges on its own: the cursor
// moves to the Last-Event-ID the reconnecting browser sends (what it really received), so events
// sent but not confirmed come again (at-least-once). Events the stream sent from the tail were
// not returned by peek_event, so the server peeks forward until ack_event accepts that etag.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { sleep } from '../lib/wait.ts';
import { openSse, startServe } from './sse-client.ts';

t.test('a named client: acknowledged from Last-Event-ID on reconnect, at-least-once', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  const write = (from: number, to: number) => db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series($1::int, $2::int) AS g`, [from, to]);
  const cursor = async () => (await db.query<{ etag: string }>(`SELECT etag::text AS etag FROM eventlog.client_status('web')`))[0]?.etag;
  const ns = (s: { messages: { data: string }[] }) => s.messages.map((m) => JSON.parse(m.data).n as number);
  await write(1, 5);
  // batchSize 3: the first peek covers events 1..3 only; the rest come from stateless reads.
  const h = await startServe(t, { connectionString: reader.url, batchSize: 3 });

  const first = await openSse(`${h.url}/events?client=web`, {}, t);
  await first.waitFor(5);
  await write(6, 8);
  await first.waitFor(8);
  t.same(ns(first), [1, 2, 3, 4, 5, 6, 7, 8], 'the client is created at the beginning and the stream continues live');
  t.equal(await cursor(), '0', 'the cursor has not moved: nothing is acknowledged until the browser says what it received');
  first.close();
  await first.ended;

  // The browser reconnects: it received up to etag 7 (say the connection broke inside event 8).
  const second = await openSse(`${h.url}/events?client=web`, { 'Last-Event-ID': '7' }, t);
  await second.waitFor(1);
  t.equal(await cursor(), '7', 'the reconnect acknowledged etag 7, which came from the tail, not from a peek');
  t.same(ns(second), [8], 'and the stream continues after it');
  second.close();
  await second.ended;

  // A new page (no Last-Event-ID) starts at the cursor: event 8 comes again (at-least-once).
  const third = await openSse(`${h.url}/events?client=web`, {}, t);
  await write(9, 9);
  await third.waitFor(2);
  t.same(ns(third), [8, 9], 'a new page without Last-Event-ID gets what was never acknowledged again');
  await sleep(100);
  t.equal(await cursor(), '7', 'and opening the stream moved nothing');

  // Another role cannot follow this client.
  const other = await loginRole(t, db.url, ['eventlog_reader']);
  const h2 = await startServe(t, { connectionString: other.url });
  const refused = await openSse(`${h2.url}/events?client=web`, {}, t);
  await refused.ended;
  t.equal(refused.status, 403, 'a client of another role: 403');
  t.match(refused.raw, new RegExp(`client 'web' belongs to role ${reader.name}`), 'with the database\'s message');
});
