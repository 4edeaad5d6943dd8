// Two installers started at the same moment, on separate connections, leave one correct install.
import t from 'tap';
import { install, status } from '../../src/install/index.ts';
import { freshDatabase } from '../lib/db.ts';

t.test('two installers at once: one applies everything, the other nothing, no error', async (t) => {
  const db = await freshDatabase(t);
  const [a, b] = await Promise.all([db.connect(), db.connect()]);
  const results = await Promise.all([install({ client: a }), install({ client: b })]);

  const counts = results.map((r) => r.applied.length).sort((x, y) => x - y);
  const total = (await status({ databaseUrl: db.url })).applied.length;
  t.ok(total >= 3, 'at least the first three migrations exist');
  t.same(counts, [0, total], 'one installer applied every migration, the other none');

  const rows = await db.query<{ id: number; n: string }>('SELECT id, count(*)::text AS n FROM eventlog.migrations GROUP BY id ORDER BY id');
  t.same(rows.map((r) => r.id), [...Array(total + 1).keys()], 'each migration recorded once, ids 0..N');
  t.ok(rows.every((r) => r.n === '1'), 'no duplicate rows');
  const [v] = await db.query<{ v: string }>('SELECT eventlog.version() AS v');
  t.match(v.v, /^\d+\.\d+\.\d+/, 'version() answers');
});

t.test('five installers at once through the CLI library, each on its own connection', async (t) => {
  const db = await freshDatabase(t);
  const results = await Promise.all(Array.from({ length: 5 }, () => install({ databaseUrl: db.url })));
  const applied = results.map((r) => r.applied.length);
  t.equal(applied.filter((n) => n > 0).length, 1, 'exactly one of them applied migrations');
  t.same(results.map((r) => r.version), Array(5).fill(results[0].version), 'all report the same version');
  const [{ n }] = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_catalog.pg_namespace WHERE nspname = $1', ['eventlog']);
  t.equal(n, '1', 'one schema');
});
