// The publication lives outside the schema, so uninstall (which drops only what install created)
// refuses while it still lists the log, naming it; after disable_publication() it goes through.
import t from 'tap';
import { uninstall } from '../../src/install/index.ts';
import { freshDatabase } from '../lib/db.ts';

t.test('uninstall refuses while the publication lists the log, and goes through after disable_publication', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query('SELECT * FROM eventlog.enable_publication()');
  await t.rejects(uninstall({ databaseUrl: db.url }),
    { message: /would drop objects pg-eventlog did not create: publication relation eventlog\.events in publication eventlog; nothing was dropped/ },
    'uninstall names the publication in its way');
  t.same((await db.query('SELECT pubname FROM pg_publication')).map((r) => r.pubname), ['eventlog'], 'and leaves it');
  await db.query('SELECT eventlog.disable_publication()');
  t.equal((await uninstall({ databaseUrl: db.url })).schemaDropped, true, 'after disable_publication() uninstall drops the schema');
  t.same(await db.query('SELECT pubname FROM pg_publication'), [], 'and no publication is left behind');
});
