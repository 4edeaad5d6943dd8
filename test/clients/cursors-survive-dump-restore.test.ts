// Named clients are rows of data: pg_dump and restore into a fresh cluster (whose transaction ids
// are far behind the restored positions) keep every cursor, and clients continue where they were,
// before and after new appends.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { burnTransactionIds, restoreIntoFreshCluster } from '../lib/restore.ts';

const ns = (rows: { payload: { n: number } }[]) => rows.map((r) => r.payload.n);

t.test('client cursors survive pg_dump and restore into a fresh cluster', async (t) => {
  const source = await freshDatabase(t, { install: true });
  await source.query(`SELECT eventlog.log_event(jsonb_build_object('n', g), 'tick', 's' || (g % 2)) FROM generate_series(1, 3) AS g`);
  await burnTransactionIds(source);
  await source.query(`SELECT eventlog.log_event(jsonb_build_object('n', g), 'tick', 's' || (g % 2)) FROM generate_series(4, 5) AS g`);

  t.same(ns(await source.query(`SELECT payload FROM eventlog.get_event('billing', 3)`)), [1, 2, 3], 'a client read three events');
  const group = await source.query<{ payload: { n: number } }>(`SELECT payload FROM eventlog.get_event('workers', 1, 0, 2)`);
  t.equal(group.length, 1, 'a group member read one');
  await source.query(`SELECT count(*) FROM eventlog.peek_event('mailer', 1)`);

  const restored = await restoreIntoFreshCluster(t, source);
  const before = await restored.query<{ client: string; members: number; etag: string }>(
    `SELECT client, members, etag FROM eventlog.clients ORDER BY client, members, member`);
  t.same(before.rows.map((r) => r.client), ['billing', 'mailer', 'workers', 'workers'], 'every cursor was restored');

  t.same(ns((await restored.query(`SELECT payload FROM eventlog.get_event('billing', 10)`)).rows), [4, 5],
    'before any append, the client continues with the rest of the restored events');
  await restored.query(`SELECT eventlog.log_event('{"n": 6}')`);
  await restored.query(`SELECT eventlog.log_event('{"n": 7}')`);
  t.same(ns((await restored.query(`SELECT payload FROM eventlog.get_event('billing', 10)`)).rows), [6, 7],
    'after appends in the new cluster, it gets the new events, after the restored ones');
  t.same(ns((await restored.query(`SELECT payload FROM eventlog.peek_event('mailer', 10)`)).rows), [1, 2, 3, 4, 5, 6, 7],
    'a client that never moved still starts at the beginning');
  const members = [
    ...(await restored.query(`SELECT payload FROM eventlog.get_event('workers', 10, 0, 2)`)).rows,
    ...(await restored.query(`SELECT payload FROM eventlog.get_event('workers', 10, 1, 2)`)).rows,
  ];
  t.same(ns(members).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7].filter((n) => n !== ns(group)[0]),
    'the group continues where its members were: only the event member 0 had read is not delivered again');
});
