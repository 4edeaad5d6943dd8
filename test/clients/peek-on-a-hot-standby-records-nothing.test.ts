// docs/cursors.md: a peek in a read-only transaction, e.g. on a hot standby, returns the events
// but records nothing, so ack_event on the primary refuses them (EL011) instead of skipping
// events; a peek on the primary makes them acknowledgeable. On a real streaming standby.
// Uses the local server binaries: pg_basebackup needs a primary of our own.
import pg from 'pg';
import t from 'tap';
import { primaryWithStandby } from '../lib/standby.ts';

t.test('peek_event on a hot standby returns events and records nothing', async (t) => {
  const { dbUrl, standby } = await primaryWithStandby(t);

  const clients: pg.Client[] = [];
  t.teardown(() => Promise.all(clients.map((c) => c.end().catch(() => {}))));
  const connect = async (url: string) => {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {});
    clients.push(client);
    await client.connect();
    return client;
  };
  const onPrimary = await connect(dbUrl);
  const onStandby = await connect(standby.urlOf(dbUrl));
  const ns = (rows: { payload: { n: number } }[]) => rows.map((r) => r.payload.n);

  // Cursor writes may commit without a WAL flush (synchronous_cursors); the standby catches up to
  // the flushed WAL, so this session asks for flushed cursor writes.
  await onPrimary.query('SET eventlog.synchronous_cursors = on');
  await onPrimary.query(`SELECT eventlog.log_event(jsonb_build_object('n', g)) FROM generate_series(1, 4) AS g`);
  await onPrimary.query(`SELECT count(*) FROM eventlog.peek_event('mailer', 1)`);  // creates the client, records event 1
  await standby.catchUp();

  const peeked = (await onStandby.query<{ etag: string; payload: { n: number } }>(`SELECT etag, payload FROM eventlog.peek_event('mailer', 3)`)).rows;
  t.same(ns(peeked), [1, 2, 3], 'a peek on the standby returns the events after the cursor');
  await t.rejects(onPrimary.query('SELECT eventlog.ack_event($1, $2::bigint)', ['mailer', peeked[2].etag]), { code: 'EL011' },
    'the primary refuses to acknowledge the end of that peek: the standby could not record it');
  await onPrimary.query(`SELECT count(*) FROM eventlog.peek_event('mailer', 3)`);
  await onPrimary.query('SELECT eventlog.ack_event($1, $2::bigint)', ['mailer', peeked[2].etag]);
  t.same(ns((await onPrimary.query(`SELECT payload FROM eventlog.peek_event('mailer', 10)`)).rows), [4],
    'after a peek on the primary, the same ack is accepted');
});
