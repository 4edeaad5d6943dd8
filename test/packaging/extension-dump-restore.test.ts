// pg_dump of a database that uses CREATE EXTENSION pg_eventlog, restored into a fresh cluster by a
// plain `pg_restore -d` and, from a plain-format dump, by `psql -f`, with nothing before or after:
// events (in range partitions of a set size and in the default partition) with their etags,
// positions, times and versions, streams, named clients' and change clients' cursors, snapshots,
// idempotency keys, the tracked table, forget and compaction records, the partition ranges and
// the partition size come back; the guards are back and active; appends continue after the
// restored events (sequence and log clock), and a named client, a change client and the tracked
// table carry on (docs/install.md#dump-and-restore).
import t from 'tap';
import { checkRestored, checkSource, dumpBoth, fillSource, restoreBoth, stateOf } from './dump-restore.ts';
import { extensionCluster, withDb } from './lib.ts';

t.test('a plain pg_restore or psql -f brings back a database with the extension, into a fresh cluster', async (t) => {
  const ext = await extensionCluster(t);
  const source = await ext.database();
  await withDb(source, async (c) => {
    await c.query('CREATE EXTENSION pg_eventlog');
    await fillSource(c);
  });
  const before = await stateOf(source);
  checkSource(t, before);
  const members = await withDb(source, async (c) => (await c.query(
    `SELECT c.relname::text AS rel FROM pg_catalog.pg_inherits AS i JOIN pg_catalog.pg_class AS c ON c.oid = i.inhrelid
     JOIN pg_catalog.pg_depend AS d ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
     WHERE i.inhparent = 'eventlog.events'::regclass ORDER BY 1`)).rows.map((r) => r.rel));
  t.same(members, ['events_default'], 'the range partitions are ordinary tables (dumped with their rows), the default partition a member');
  const dumps = await dumpBoth(t, source);

  const fresh = await ext.another();
  for (const target of await restoreBoth(t, fresh.url, dumps)) {
    await t.test(`restored by ${target.name}`, async (t) => {
      await withDb(target.url, async (c) => {
        t.same((await c.query(`SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pg_eventlog'`)).rows,
          [{ extversion: ext.build.defaultVersion }], 'still an extension install');
      });
      await checkRestored(t, target.url, before);
    });
  }
});
