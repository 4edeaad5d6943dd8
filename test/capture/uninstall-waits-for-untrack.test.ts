// Uninstall and tracked tables: the capture triggers on an application table call our functions,
// so uninstall (which never drops what install did not create) refuses while a table is tracked;
// after untrack_table it goes through and the table keeps its rows and its revision column.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { cli, freshDatabase } from '../lib/db.ts';

t.test('uninstall refuses while a table is tracked, and works after untrack_table', async (t) => {
  const prefix = `pgel_t${randomBytes(4).toString('hex')}`;
  const db = await freshDatabase(t, { install: { rolePrefix: prefix } });
  await db.query('CREATE TABLE public.orders (id integer PRIMARY KEY, item text)');
  await db.query(`INSERT INTO public.orders VALUES (1, 'tea')`);
  await db.query(`SELECT eventlog.track_table('public.orders')`);

  const refused = await cli(['uninstall', '--database-url', db.url, '--role-prefix', prefix], db.env);
  t.not(refused.code, 0, 'uninstall refuses');
  t.match(refused.stderr, /trigger _100_capture_insert on public\.orders/, `and names the capture triggers: ${refused.stderr.trim()}`);
  t.same(await db.query(`SELECT count(*)::integer AS n FROM eventlog.tracked_tables`), [{ n: 1 }], 'nothing was dropped');

  await db.query(`SELECT eventlog.untrack_table('public.orders')`);
  const done = await cli(['uninstall', '--database-url', db.url, '--role-prefix', prefix], db.env);
  t.equal(done.code, 0, `after untrack_table it goes through ${done.stderr}`);
  t.same(await db.query('SELECT id, item, revision FROM public.orders'), [{ id: 1, item: 'tea', revision: 1 }],
    'the table keeps its rows and its revision column');
});
