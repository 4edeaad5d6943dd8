// Secure by default: serve listens on loopback unless told otherwise, refuses any other address
// without a bearer token (and a weak token anywhere), then requires the token on /events and
// /metrics (header, or ?access_token= for EventSource, which cannot send headers); /healthz
// stays open for liveness probes. CORS headers only for the origins given.
import t from 'tap';
import { freshDatabase, cli } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { serve } from '../../src/serve/index.ts';
import { get, openSse, startServe } from './sse-client.ts';

const TOKEN = 'a1b2c3d4e5f6a7b8c9d0';

t.test('bind rules: loopback by default, any other address only with a token', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  const h = await startServe(t, { connectionString: reader.url });
  t.equal(h.host, '127.0.0.1', 'the default address is 127.0.0.1');

  for (const host of ['0.0.0.0', '::', '192.0.2.1', 'example.com']) {
    await t.rejects(serve({ connectionString: reader.url, host, port: 0 }),
      { name: 'ServeError', code: 'ERR_SERVE_TOKEN_REQUIRED', message: new RegExp(`^refusing to listen on ${host.replace(/\./g, '\\.')} without a token`) },
      `${host} without a token is refused before anything listens`);
  }
  await t.rejects(serve({ connectionString: reader.url, host: '0.0.0.0', port: 0, token: 'short' }),
    { code: 'ERR_SERVE_WEAK_TOKEN', message: /at least 16 characters .*got 5 characters/ }, 'a token under 16 characters is refused');
  for (const host of ['127.0.0.2', 'localhost']) {
    const l = await startServe(t, { connectionString: reader.url, host });
    t.ok(l.port > 0, `${host} (loopback) needs no token`);
  }

  const r = await cli(['serve', '--host', '0.0.0.0', '--port', '0'], reader.env);
  t.equal(r.code, 1, 'the CLI exits 1');
  t.match(r.stderr, /pg-eventlog: error: refusing to listen on 0\.0\.0\.0 without a token: only loopback addresses .* pass --token \(or PG_EVENTLOG_SERVE_TOKEN\)/, 'and says why and what to do');
  t.notMatch(r.stdout, /listening/, 'it never listened');
});

t.test('with a token: 401 without it, 200 with the header or ?access_token=; /healthz open', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  const h = await startServe(t, { connectionString: reader.url, host: '0.0.0.0', token: TOKEN });
  t.equal(h.host, '0.0.0.0', 'it listens on every address');
  const base = `http://127.0.0.1:${h.port}`;
  await db.query(`SELECT eventlog.log_event('{"n": 1}')`);

  const none = await get(`${base}/events?from=0`);
  t.equal(none.status, 401, '/events without a token: 401');
  t.equal(none.headers['www-authenticate'], 'Bearer realm="pg-eventlog"', 'with WWW-Authenticate: Bearer');
  t.match(none.body, /a bearer token is required/, 'and a message');
  t.equal((await get(`${base}/events?from=0`, { Authorization: `Bearer ${TOKEN}x` })).status, 401, 'a wrong token: 401');
  t.equal((await get(`${base}/events?from=0`, { Authorization: `Basic ${TOKEN}` })).status, 401, 'another scheme: 401');
  t.equal((await get(`${base}/metrics`)).status, 401, '/metrics without a token: 401');
  t.equal((await get(`${base}/metrics`, { Authorization: `Bearer ${TOKEN}` })).status, 200, '/metrics with it: 200');
  t.equal((await get(`${base}/healthz`)).status, 200, '/healthz needs no token');

  const header = await openSse(`${base}/events?from=0`, { Authorization: `Bearer ${TOKEN}` }, t);
  t.equal(header.status, 200, 'Authorization: Bearer <token>: 200');
  t.same((await header.waitFor(1))[0], { id: '1', event: 'event', data: '{"n":1}' }, 'and the stream');
  const query = await openSse(`${base}/events?from=0&access_token=${TOKEN}`, {}, t);
  t.equal(query.status, 200, '?access_token=<token> (for EventSource): 200');
  await query.waitFor(1);
});

t.test('CORS only for the configured origins', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  const closed = await startServe(t, { connectionString: reader.url });
  const plain = await get(`${closed.url}/healthz`, { Origin: 'http://app.example' });
  t.equal(plain.headers['access-control-allow-origin'], undefined, 'by default no Access-Control-Allow-Origin');

  const open = await startServe(t, { connectionString: reader.url, corsOrigins: ['http://app.example'] });
  const ok = await openSse(`${open.url}/events`, { Origin: 'http://app.example' }, t);
  t.equal(ok.headers['access-control-allow-origin'], 'http://app.example', 'the configured origin is allowed');
  t.equal(ok.headers.vary, 'Origin', 'with Vary: Origin');
  const other = await openSse(`${open.url}/events`, { Origin: 'http://evil.example' }, t);
  t.equal(other.headers['access-control-allow-origin'], undefined, 'another origin is not');
  const pre = await get(`${open.url}/events`, { Origin: 'http://app.example', 'Access-Control-Request-Headers': 'authorization, last-event-id' }, 'OPTIONS');
  t.equal(pre.status, 204, 'a preflight gets 204');
  t.match(pre.headers['access-control-allow-headers'], /Authorization, Last-Event-ID/, 'allowing Authorization and Last-Event-ID');
  await t.rejects(serve({ connectionString: reader.url, port: 0, corsOrigins: ['app.example/x'] }), { code: 'ERR_SERVE_OPTION' }, 'a malformed origin is refused');
});
