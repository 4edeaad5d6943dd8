// Two workers on one change client (docs/capture.md, named clients): the second one's
// get_changes(tbl, client) waits for the first one's transaction, then continues after the
// changes the first one took, instead of returning an empty batch. (With a correlated EXISTS for
// "is there anything to read", PostgreSQL's recheck of the moved cursor row reused the change the
// first look had found, now behind the cursor, and the waiting worker got nothing.)
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { waitFor, within } from '../lib/wait.ts';

t.test('the second worker waits for the first and gets the next changes', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query('CREATE TABLE public.items (id integer PRIMARY KEY)');
  await db.query(`SELECT eventlog.track_table('public.items')`);
  await db.query('INSERT INTO public.items SELECT generate_series(1, 6)');
  const all = (await db.query<{ etag: string }>(`SELECT etag FROM eventlog.get_changes('public.items', 0, 100)`)).map((r) => r.etag);
  t.equal(all.length, 6, 'six changes');
  await db.query(`SELECT eventlog.seek_changes('public.items', 'shared', 'beginning')`);

  const first = await db.connect();
  const second = await db.connect();
  await second.query(`SET statement_timeout = '20s'`);
  const secondPid = (await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  await first.query('BEGIN');
  const took = (await first.query<{ etag: string }>(`SELECT etag FROM eventlog.get_changes('public.items', 'shared'::text, 2)`)).rows.map((r) => r.etag);
  t.same(took, all.slice(0, 2), 'the first worker takes the first two changes in its transaction');

  const waiting = second.query<{ etag: string }>(`SELECT etag FROM eventlog.get_changes('public.items', 'shared'::text, 2)`);
  await waitFor('the second worker to wait for the first one\'s transaction', async () =>
    (await db.query<{ n: string }>('SELECT cardinality(pg_blocking_pids($1)) AS n', [secondPid]))[0].n !== '0');
  await first.query('COMMIT');
  const next = (await within('the second worker\'s read', waiting, 20_000)).rows.map((r) => r.etag);
  t.same(next, all.slice(2, 4), 'then it gets the next two, not an empty batch');
});
