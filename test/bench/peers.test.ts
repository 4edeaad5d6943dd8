// The peers of make bench are installed from their packages into the bench's database, and one
// that cannot be installed is reported with the reason (the bench prints it as n/a), not dropped.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { installMessageDb, installPgq, unavailableAppends } from '../../scripts/lib/bench/peers.ts';

t.test('Message DB installs from its npm package, and write_message works as its role', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const peer = await installMessageDb(db.url, db.name);
  t.equal(peer.reason, null, 'installed');
  t.match(peer.version, /^\d+\.\d+\.\d+ \(npm @eventide\/message-db \d+\.\d+\.\d+\)$/, 'with its version');
  const c = await db.connect();
  await c.query('SET ROLE message_store');
  const positions = [];
  for (let i = 0; i < 3; i++) {
    positions.push(Number((await c.query(`SELECT message_store.write_message(gen_random_uuid()::text, 'bench-1', 'bench', '{"n": 1}', NULL, $1) AS p`, [i - 1])).rows[0].p));
  }
  t.same(positions, [0, 1, 2], 'write_message with the expected version numbers the stream from 0');
  const pgq = await installPgq(db.url);
  t.equal(pgq.reason, null, 'PgQ installed');
  const out = await unavailableAppends(db.url, { messageDb: peer, pgq });
  t.notOk('messagedb' in out || 'messagedb-versioned' in out || 'pgq' in out, 'no peer row is n/a');
  t.notOk('stream' in out, `the append_to_stream row runs now that the function is installed (${out.stream ?? 'available'})`);
  await db.query('DROP FUNCTION eventlog.append_to_stream(text, jsonb, integer, text)');
  const without = await unavailableAppends(db.url, { messageDb: peer, pgq });
  t.match(without.stream ?? '', /append_to_stream/, 'without the function, the append_to_stream row says why it is n/a');
});

t.test('a peer that cannot be installed comes back with the reason, and its rows are n/a', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const missing = await installMessageDb(db.url, `pgel_no_such_database_${randomBytes(3).toString('hex')}`);
  t.equal(missing.version, null);
  t.match(missing.reason, /install\.sh failed \(exit \d+\): .*pgel_no_such_database_/, "Message DB: its installer's own error");

  // CREATE EXTENSION pgq needs a superuser.
  const role = `pgel_bench_user_${randomBytes(3).toString('hex')}`;
  await db.query(`CREATE ROLE ${role} LOGIN; GRANT CREATE ON DATABASE ${db.name} TO ${role}`);
  const url = new URL(db.url);
  url.username = role;
  url.password = '';
  const pgq = await installPgq(url.toString()).finally(() => db.query(`REVOKE CREATE ON DATABASE ${db.name} FROM ${role}; DROP ROLE ${role}`));
  t.equal(pgq.version, null);
  t.match(pgq.reason, /^CREATE EXTENSION pgq failed: permission denied to create extension "pgq"/, 'PgQ: the server says why');

  const out = await unavailableAppends(db.url, { messageDb: missing, pgq });
  t.equal(out.messagedb, missing.reason, 'Message DB row: n/a with the reason');
  t.equal(out['messagedb-versioned'], missing.reason, 'and its expected-version row');
  t.equal(out.pgq, pgq.reason, 'PgQ row: n/a with the reason');
});
