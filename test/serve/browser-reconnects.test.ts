// A real browser: headless Chromium opens an EventSource on serve, receives events, the server
// is restarted (events are written while it is down), the browser reconnects by itself with
// Last-Event-ID, and the page ends with every event exactly once. The URL says ?from=0, so a
// reconnect that did not send Last-Event-ID would start again from the beginning and duplicate.
import { chromium } from 'playwright-core';
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { waitFor } from '../lib/wait.ts';
import { serve } from '../../src/serve/index.ts';
import { logOrder } from './sse-client.ts';

interface Page {
  received: string[];
  opens: number;
  errors: number;
  EventSource: new (url: string) => { onopen: () => void; onerror: () => void; addEventListener(type: string, f: (e: { lastEventId: string }) => void): void };
}

t.test('Chromium EventSource across a server restart: every event exactly once', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  const write = (from: number, to: number) => db.query(`SELECT eventlog.log_event(jsonb_build_object('n', g), 'tick') FROM generate_series($1::int, $2::int) AS g`, [from, to]);
  await write(1, 20);
  const options = { connectionString: reader.url, retryMs: 200, pollIntervalMs: 50, wakeups: 'watch' as const };
  let h = await serve({ ...options, port: 0 });
  const port = h.port;
  t.teardown(() => h.close());

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`${h.url}/healthz`);
  // Runs in the page (the type checker knows Node's globals only, hence the cast).
  await page.evaluate(() => {
    const w = globalThis as unknown as Page;
    w.received = [];
    w.opens = 0;
    w.errors = 0;
    const es = new w.EventSource('/events?from=0');
    es.onopen = () => w.opens++;
    es.onerror = () => w.errors++;
    es.addEventListener('tick', (e) => w.received.push(e.lastEventId));
  });
  const received = () => page.evaluate(() => (globalThis as unknown as Page).received);
  const counts = () => page.evaluate(() => {
    const w = globalThis as unknown as Page;
    return { opens: w.opens, errors: w.errors };
  });
  await waitFor('the page to receive the first 20 events', async () => (await received()).length >= 20);
  await write(21, 30);
  await waitFor('the page to receive events 21-30 live', async () => (await received()).length >= 30);

  // Restart: stop the server, write while it is down, start it again on the same port.
  await h.close();
  await waitFor('the browser to notice the server is gone', async () => (await counts()).errors >= 1);
  await write(31, 45);
  h = await serve({ ...options, port });
  await write(46, 50);
  await waitFor('the page to receive all 50 events', async () => (await received()).length >= 50, { timeoutMs: 30_000 });
  await new Promise((r) => setTimeout(r, 300));

  const { opens, errors } = await counts();
  t.ok(opens >= 2 && errors >= 1, `the browser reconnected by itself (${opens} opens, ${errors} errors)`);
  t.same(await received(), await logOrder(db), 'the page has every event exactly once, in log order');
});
