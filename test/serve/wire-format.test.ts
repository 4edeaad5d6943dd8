// GET /events speaks Server-Sent Events exactly: the headers that keep proxies from buffering,
// `retry:` first, then one message per event as `id: <etag>`, `event: <event_type>`,
// `data: <payload>` and a blank line, heartbeat comments while idle, and new events as they are
// committed. The server connects as a role holding eventlog_reader only.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { openSse, startServe } from './sse-client.ts';

t.test('the stream: headers, retry, one message per event, heartbeats, live events', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  await db.query(`SELECT eventlog.log_event('{"name": "Ada"}', 'customer_registered', 'customer-1')`);
  await db.query(`SELECT eventlog.log_event('{"n": 2, "text": "two\\nlines"}', 'note')`);
  const h = await startServe(t, { connectionString: reader.url, heartbeatMs: 200, retryMs: 1500 });

  const s = await openSse(`${h.url}/events?from=0`, {}, t);
  t.equal(s.status, 200, 'status 200');
  t.equal(s.headers['content-type'], 'text/event-stream; charset=utf-8', 'Content-Type: text/event-stream');
  t.match(s.headers['cache-control'], /^no-cache\b/, 'Cache-Control: no-cache');
  t.equal(s.headers['x-accel-buffering'], 'no', 'X-Accel-Buffering: no (nginx must not buffer the stream)');
  await s.waitFor(2);
  t.equal(s.raw.slice(0, s.raw.indexOf('id:')),
    'retry: 1500\n\n', 'the stream begins with retry: and nothing else before the first event');
  t.equal(s.raw.slice(s.raw.indexOf('id:')),
    'id: 1\nevent: customer_registered\ndata: {"name":"Ada"}\n\n' +
    'id: 2\nevent: note\ndata: {"n":2,"text":"two\\nlines"}\n\n',
    'each event is id, event and data (the payload, one line of JSON) and a blank line');

  await db.query(`SELECT eventlog.log_event('{"n": 3}', 'note')`);
  const [, , third] = await s.waitFor(3, 'the event committed after the stream opened');
  t.same(third, { id: '3', event: 'note', data: '{"n":3}' }, 'an event committed later arrives on the open stream');

  await s.waitFor(3);
  const comments = s.comments.length;
  await new Promise((r) => setTimeout(r, 700));
  t.ok(s.comments.length > comments && s.comments.every((c) => c === 'heartbeat'),
    `an idle stream gets heartbeat comments (${s.comments.length - comments} in 700 ms at 200 ms)`);
});

t.test('without from or Last-Event-ID the stream starts at the end of the log', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  await db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g), 'old') FROM generate_series(1, 3) AS g`);
  const h = await startServe(t, { connectionString: reader.url });
  const s = await openSse(`${h.url}/events`, {}, t);
  await db.query(`SELECT eventlog.log_event('{"n": 4}', 'new')`);
  const [m] = await s.waitFor(1);
  t.same(m, { id: '4', event: 'new', data: '{"n":4}' }, 'the first message is the first event committed after it opened');
  t.same(s.messages.map((x) => x.event), ['new'], 'no older event is sent');
});

t.test('refusals: a bad from or Last-Event-ID, an etag not in the log, an unknown path', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  const h = await startServe(t, { connectionString: reader.url });
  const bad = await openSse(`${h.url}/events?from=abc`, {}, t);
  t.equal(bad.status, 400, 'from=abc is refused with 400');
  await bad.ended;
  t.match(bad.raw, /from must be an etag \(an integer from 0\), got "abc"/, 'the body names the value');
  const missing = await openSse(`${h.url}/events`, { 'Last-Event-ID': '99' }, t);
  t.equal(missing.status, 400, 'a Last-Event-ID that is not in the log is refused (400), so EventSource stops instead of looping');
  await missing.ended;
  t.match(missing.raw, /etag 99 is not in the log \(SQLSTATE EL001\)/, 'with the database\'s message and SQLSTATE');
  const both = await openSse(`${h.url}/events?from=0&client=c`, {}, t);
  t.equal(both.status, 400, 'client and from together are refused');
  const nowhere = await openSse(`${h.url}/nowhere`, {}, t);
  t.equal(nowhere.status, 404, 'an unknown path is 404');
});
