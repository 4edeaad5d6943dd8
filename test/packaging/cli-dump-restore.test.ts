// pg_dump of a database where the CLI installed the log (npx pg-eventlog install; the bundle
// installs the same schema, test/packaging/convergence.test.ts), restored into a fresh cluster by
// a plain `pg_restore -d` and by `psql -f` of a plain-format dump, with the roles made first as
// `pg_dumpall --roles-only` would: everything comes back as with the extension
// (extension-dump-restore.test.ts), the installer's bookkeeping too, so the CLI still knows the
// install (docs/install.md#dump-and-restore).
import pg from 'pg';
import t from 'tap';
import { provideCluster } from '../../scripts/lib/database.ts';
import { cli, freshDatabase } from '../lib/db.ts';
import { checkRestored, checkSource, dumpBoth, fillSource, restoreBoth, stateOf } from './dump-restore.ts';
import { withDb } from './lib.ts';

const BOOKKEEPING = {
  migrations: 'SELECT id, name, hash FROM eventlog.migrations ORDER BY id',
  installed_objects: 'SELECT object_name FROM eventlog.installed_objects ORDER BY 1',
};

t.test('a plain pg_restore or psql -f brings back a database the CLI installed, into a fresh cluster', async (t) => {
  const source = await freshDatabase(t, { install: true });
  const c = await source.connect();
  await fillSource(c);
  const before = await stateOf(source.url);
  checkSource(t, before);
  const bookkeeping = await withDb(source.url, async (c) => ({
    migrations: (await c.query(BOOKKEEPING.migrations)).rows,
    installed_objects: (await c.query(BOOKKEEPING.installed_objects)).rows,
  }));
  const dumps = await dumpBoth(t, source.url);

  const fresh = await provideCluster({ provider: 'local' });
  t.teardown(() => fresh.stop());
  const admin = new pg.Client({ connectionString: fresh.url });
  await admin.connect();
  await admin.query('CREATE ROLE eventlog_writer NOLOGIN; CREATE ROLE eventlog_reader NOLOGIN; CREATE ROLE eventlog_admin NOLOGIN');
  await admin.end();
  for (const target of await restoreBoth(t, fresh.url, dumps)) {
    await t.test(`restored by ${target.name}`, async (t) => {
      await withDb(target.url, async (c) => {
        t.same((await c.query(BOOKKEEPING.migrations)).rows, bookkeeping.migrations, 'the applied migrations');
        t.same((await c.query(BOOKKEEPING.installed_objects)).rows, bookkeeping.installed_objects, 'the record of installed objects');
      });
      await checkRestored(t, target.url, before);
      const status = await cli(['status', '--json', '--database-url', target.url]);
      t.equal(status.code, 0, `status ${status.stderr}`);
      const json = JSON.parse(status.stdout);
      t.same([json.installed, json.pending, json.changed], [true, [], []], 'the CLI sees a complete install');
    });
  }
});
