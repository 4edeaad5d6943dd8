// npx pg-eventlog maintain: ensure_partitions() from the command line, as a member of
// eventlog_admin (docs/partitions.md, "Maintenance"); a writer is refused by PostgreSQL.
import t from 'tap';
import { cli, freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';

t.test('maintain creates the partitions ahead as an admin, then has nothing to do', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const admin = await loginRole(t, db.url, ['eventlog_admin']);
  const writer = await loginRole(t, db.url, ['eventlog_writer']);

  const first = await cli(['maintain', '--database-url', admin.url, '--ahead', '4'], admin.env);
  t.equal(first.code, 0, first.stderr);
  t.equal(first.stdout,
    'created partition eventlog.events_0000000000030000000 for etags 30000000 to 39999999\n'
    + 'created partition eventlog.events_0000000000040000000 for etags 40000000 to 49999999\n',
    'the install made the current range and two ahead; --ahead 4 adds the two missing');
  const parts = await db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'eventlog.events'::regclass`);
  t.equal(parts[0].n, '6', 'five range partitions and the default one');

  const again = await cli(['maintain', '--database-url', admin.url], admin.env);
  t.equal(again.code, 0, again.stderr);
  t.equal(again.stdout, 'partitions of eventlog.events are in place; nothing to do\n');

  const refused = await cli(['maintain', '--database-url', writer.url], writer.env);
  t.equal(refused.code, 1);
  t.equal(refused.stderr, 'pg-eventlog: error: permission denied for function ensure_partitions\n', 'a writer cannot run maintenance');

  const bad = await cli(['maintain', '--database-url', admin.url, '--ahead', '-1'], admin.env);
  t.equal(bad.code, 1);
  t.equal(bad.stderr, 'pg-eventlog: error: ahead must be between 0 and 100, got -1\n');
});

t.test('partitions made by maintenance count as pg-eventlog\'s own: status lists nothing foreign, uninstall drops them', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const made = await cli(['maintain', '--database-url', db.url, '--ahead', '3'], db.env);
  t.equal(made.code, 0, made.stderr);
  t.match(made.stdout, /^created partition eventlog\.events_0000000000030000000/);
  const status = await cli(['status', '--database-url', db.url, '--json'], db.env);
  t.same(JSON.parse(status.stdout).foreign, [], 'nothing in the schema is foreign to the install');
  const removed = await cli(['uninstall', '--database-url', db.url], db.env);
  t.equal(removed.code, 0, removed.stderr);
  t.match(removed.stdout, /dropped schema eventlog/);
});
