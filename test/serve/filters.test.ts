// ?stream=, ?stream_prefix= and ?type= select events, in the replay and on the live tail alike;
// a filtered stream resumed with Last-Event-ID continues after that event with no duplicate.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { openSse, startServe } from './sse-client.ts';

t.test('stream, stream prefix and type filters, replayed and live', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  const write = (n: number, type: string, stream: string | null) =>
    db.query(`SELECT eventlog.log_event(jsonb_build_object('n', $1::int), $2, $3)`, [n, type, stream]);
  const batch = async (from: number) => {
    await write(from, 'placed', 'order-1');
    await write(from + 1, 'paid', 'order-1');
    await write(from + 2, 'placed', 'order-2');
    await write(from + 3, 'registered', 'customer-1');
    await write(from + 4, 'placed', null);
    await write(from + 5, 'placed', 'orderly'); // starts with "order", not with "order-"
  };
  await batch(1); // replayed: n 1..6
  const h = await startServe(t, { connectionString: reader.url, batchSize: 2 });
  const open = (q: string) => openSse(`${h.url}/events?from=0&${q}`, {}, t);
  const cases: [string, number[]][] = [
    ['stream=order-1', [1, 2]],
    ['stream_prefix=order-', [1, 2, 3]],
    ['type=placed', [1, 3, 5, 6]],
    ['type=paid&type=registered', [2, 4]],
    ['type=paid,registered', [2, 4]],
    ['stream_prefix=order-&type=placed', [1, 3]],
    ['stream=nothing', []],
  ];
  const streams = await Promise.all(cases.map(([q]) => open(q)));
  const all = await open('');
  await batch(7); // live: n 7..12
  await all.waitFor(12, 'every event on the unfiltered stream');
  for (const [i, [q, ns]] of cases.entries()) {
    const expected = [...ns, ...ns.map((n) => n + 6)];
    const s = streams[i]!;
    if (expected.length) await s.waitFor(expected.length, q);
    t.same(s.messages.map((m) => JSON.parse(m.data).n), expected, `${q}: the matching events, replayed and then live`);
  }

  // Resume a filtered stream from its last event: the next match, nothing twice.
  const placed = streams[2]!;
  const resume = placed.messages[1]!.id!; // n = 3
  const again = await openSse(`${h.url}/events?type=placed`, { 'Last-Event-ID': resume }, t);
  await again.waitFor(6);
  t.same(again.messages.map((m) => JSON.parse(m.data).n), [5, 6, 7, 9, 11, 12], 'Last-Event-ID on a filtered stream continues after that event');
});
