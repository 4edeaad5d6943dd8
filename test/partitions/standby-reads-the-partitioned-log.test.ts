// Hot standby reads of a log spread over partitions (docs/partitions.md): partitions added by
// maintenance on the primary, closed ranges and archived ones replay to the standby; there
// get_event returns the primary's order across boundaries with the same pruning, and a read
// behind an archived range gets the same EL051 as on the primary.
import pg from 'pg';
import t from 'tap';
import { primaryWithStandby } from '../lib/standby.ts';

t.test('a hot standby reads the partitioned log in the primary\'s order, archived ranges included', async (t) => {
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
  const p = await connect(dbUrl);
  const s = await connect(standby.urlOf(dbUrl));
  await p.query('SELECT eventlog.set_partition_size(100)');
  for (let i = 0; i < 30; i++) {
    await p.query(`SELECT count(*) FROM eventlog.log_event((SELECT jsonb_agg(jsonb_build_object('n', $1::int * 10 + g)) FROM generate_series(0, 9) AS g))`, [i]);
    await p.query('SELECT count(*) FROM eventlog.ensure_partitions(1)');
  }
  for (let i = 0; i < 50; i++) {
    await p.query('SELECT count(*) FROM eventlog.ensure_partitions(1)');
    if ((await p.query<{ n: string }>('SELECT count(*) AS n FROM eventlog.partition_ranges WHERE max_tx_order_so_far IS NULL')).rows[0].n === '0') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await standby.catchUp();

  const readAll = async (c: pg.Client) => {
    const out: string[] = [];
    for (let last = '0'; ;) {
      const rows = (await c.query<{ etag: string }>('SELECT etag FROM eventlog.get_event($1::bigint, 70)', [last])).rows;
      if (!rows.length) return out;
      out.push(...rows.map((r) => r.etag));
      last = rows.at(-1)!.etag;
    }
  };
  const onPrimary = await readAll(p);
  t.equal(onPrimary.length, 300, 'the primary reads 300 events');
  t.same(await readAll(s), onPrimary, 'the standby reads the same events in the same order, across the partitions');
  const parts = (await s.query<{ n: string }>(`SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'eventlog.events'::regclass`)).rows[0].n;
  t.ok(Number(parts) >= 5, `the standby has the ${parts} partitions maintenance made on the primary`);
  const tail = onPrimary.at(-20)!;
  t.same((await s.query<{ etag: string }>('SELECT etag FROM eventlog.get_event($1::bigint, 100)', [tail])).rows.map((r) => r.etag),
    onPrimary.slice(-19), 'a tail read on the standby returns the last events');
  t.equal((await s.query<{ f: string }>(`SELECT eventlog._etag_floor((SELECT tx_order FROM eventlog.events WHERE etag = ${tail})) AS f`)).rows[0].f,
    (await p.query<{ f: string }>(`SELECT eventlog._etag_floor((SELECT tx_order FROM eventlog.events WHERE etag = ${tail})) AS f`)).rows[0].f,
    'and bounds it where the primary does (the closed ranges replayed)');

  await p.query('SELECT count(*) FROM eventlog.detach_partitions(200)');
  await standby.catchUp();
  const refused = await s.query('SELECT * FROM eventlog.get_event(0, 10)').then(() => null, (e: pg.DatabaseError) => [e.code, e.message]);
  const first = onPrimary.find((e) => BigInt(e) >= 200n)!;
  t.same(refused, ['EL051', `an event after etag 0, etags 0 to 99, is archived; the first etag in the log is ${first}`],
    'after detach_partitions on the primary, the standby refuses a read from the beginning the same way');
  t.same(await s.query('SELECT etag FROM eventlog.get_event($1::bigint, 1000)', [onPrimary.at(-50)]).then((r) => r.rows.map((x) => x.etag)),
    onPrimary.slice(-49), 'and reads after the archived range as before');
});
