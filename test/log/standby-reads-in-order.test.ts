// Stateless reads on a hot standby (docs/ordering.md, "Hot standbys"): a streaming standby of a
// throwaway primary returns the primary's log order, holds back events committed behind a
// transaction still open on the primary exactly as the primary does, and a reader may switch
// between primary and standby, resuming by etag, without missing or repeating an event.
// Uses the local server binaries: pg_basebackup needs a primary of our own.
import pg from 'pg';
import t from 'tap';
import { primaryWithStandby } from '../lib/standby.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('get_event on a hot standby reads the primary\'s log order and is gap-safe there', async (t) => {
  // Commits reach the standby when we wait for them: the helper sets synchronous_commit = on.
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
  const [a, b, c] = [await connect(dbUrl), await connect(dbUrl), await connect(dbUrl)];
  const onPrimary = await connect(dbUrl);
  const onStandby = await connect(standby.urlOf(dbUrl));

  const { rows: [mode] } = await onStandby.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
  t.equal(mode.recovery, true, 'the standby connection is read-only, in recovery');

  const append = async (client: pg.Client, payload: object) =>
    (await client.query<{ etag: string }>('SELECT etag FROM eventlog.log_event($1::jsonb)', [JSON.stringify(payload)])).rows.map((r) => r.etag);
  // Untyped, as node-postgres and most drivers send parameters: that resolves to the named-client
  // overload get_event(text, ...), which must hand an etag over to the stateless read before it
  // writes anything (a standby refuses any UPDATE, 25006). The typed form is checked once below.
  const read = async (client: pg.Client, after: string, max = 1000) =>
    (await client.query<{ etag: string }>('SELECT etag FROM eventlog.get_event($1, $2)', [after, max])).rows.map((r) => r.etag);
  const readTyped = async (client: pg.Client, after: string, max = 1000) =>
    (await client.query<{ etag: string }>('SELECT etag FROM eventlog.get_event($1::bigint, $2::integer)', [after, max])).rows.map((r) => r.etag);

  // 1. Log order, not etag order: x takes its position first, y commits in between.
  await a.query('BEGIN');
  const [x1] = await append(a, { n: 'x1' });
  const [y] = await append(b, { n: 'y' });
  const [x2] = await append(a, { n: 'x2' });
  await a.query('COMMIT');
  const more = await append(b, [{ n: 'z1' }, { n: 'z2' }]);
  await standby.catchUp();
  const primaryLog = await read(onPrimary, '0');
  t.same(primaryLog, [x1, x2, y, ...more], 'on the primary, the earlier transaction\'s events come first, though y has a smaller etag than x2');
  t.same(await read(onStandby, '0'), primaryLog, 'the standby returns the same events in the same order');
  t.same(await readTyped(onStandby, '0'), primaryLog, 'so does the typed call get_event($1::bigint, $2::integer)');
  await t.rejects(onStandby.query(`SELECT * FROM eventlog.get_event('billing')`), { code: '25006' },
    'a named client, which moves a cursor, is refused on the standby: it is read-only');
  let last = primaryLog[primaryLog.length - 1];

  // 2. Gap safety: A holds a position, then B1..B3 commit after it.
  await a.query('BEGIN');
  const [held] = await append(a, { n: 'A' });
  const behind = [...(await append(b, { n: 'B1' })), ...(await append(c, { n: 'B2' })), ...(await append(b, { n: 'B3' }))];
  await standby.catchUp();
  const { rows: naive } = await onStandby.query<{ etag: string }>('SELECT etag FROM eventlog.events WHERE etag > $1 ORDER BY etag', [last]);
  t.same(naive.map((r) => r.etag), behind, 'the standby has replayed B1..B3: a naive etag reader there would take them now');
  t.same(await read(onPrimary, last), [], 'the primary holds B1..B3 back while A is open');
  // A reader following the log on the standby polls, advancing past whatever it is given.
  const followed: string[] = [];
  const poll = async () => {
    const batch = await read(onStandby, last);
    followed.push(...batch);
    if (batch.length > 0) last = batch[batch.length - 1];
    return batch;
  };
  const polls: string[][] = [];
  for (let i = 0; i < 5; i++) {
    polls.push(await poll());
    await sleep(20);
  }
  t.same(polls, [[], [], [], [], []], 'the standby holds them back too, poll after poll');

  await a.query('COMMIT');
  await standby.catchUp();
  t.same(await poll(), [held, ...behind], 'after A commits and is replayed, the standby reader resuming from its last etag gets A, then B1..B3');
  t.same(await poll(), [], 'and nothing after them');
  t.same(followed, await read(onPrimary, primaryLog[primaryLog.length - 1]), 'it got each event once, in the primary\'s order');
  const whole = await read(onStandby, '0');
  t.equal(new Set(whole).size, whole.length, 'the standby\'s whole log has every etag once');
  t.same(whole, await read(onPrimary, '0'), 'and equals the primary\'s');

  // 3. A reader alternating between primary and standby, two events per read, while every round
  // leaves a transaction open across the reads and commits the previous one.
  const openers = [a, c];
  const appended = new Set<string>(whole);
  const seen: string[] = [];
  const sides: string[] = [];
  let cursor = '0';
  let round = 0;
  const readOnce = async () => {
    const side = round % 2 === 0 ? 'primary' : 'standby';
    // Resuming on the standby needs the etag resumed after to have been replayed there.
    if (side === 'standby') await standby.catchUp();
    const batch = await read(side === 'primary' ? onPrimary : onStandby, cursor, 2);
    if (batch.length > 0) {
      sides.push(side);
      seen.push(...batch);
      cursor = batch[batch.length - 1];
    }
    round++;
    return batch.length;
  };
  for (let i = 0; i < 8; i++) {
    const opener = openers[i % 2];
    await opener.query('BEGIN');
    (await append(opener, { n: `open-${i}` })).forEach((e) => appended.add(e));
    if (i > 0) await openers[(i - 1) % 2].query('COMMIT');
    (await append(b, [{ n: `quick-${i}a` }, { n: `quick-${i}b` }])).forEach((e) => appended.add(e));
    await readOnce();
    await readOnce();
  }
  await openers[7 % 2].query('COMMIT');
  const deadline = Date.now() + 5000;
  let idle = 0;
  while (idle < 2 && Date.now() < deadline) idle = (await readOnce()) === 0 ? idle + 1 : 0;

  t.ok(sides.includes('primary') && sides.includes('standby'), `the reader took events from both sides (${sides.join(', ')})`);
  t.equal(new Set(seen).size, seen.length, 'no event was read twice');
  t.same(new Set(seen), appended, 'every committed event was read');
  t.same(seen, await read(onPrimary, '0'), 'in the primary\'s log order');
});
