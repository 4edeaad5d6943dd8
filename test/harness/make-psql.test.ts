// make psql SQL="…" hands the command to psql exactly as typed: JSON literals with double
// quotes, doubled single quotes, dollar quotes and $1 survive make and the shell.
import t from 'tap';
import { freshDatabase, run } from '../lib/db.ts';

t.test('make psql SQL=… passes quotes, dollars and JSON through untouched', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const sql = `SELECT '{"sku": "TEA-01", "note": "it''s"}'::jsonb ->> 'note' AS note, $$a $1 b$$ AS dollars, eventlog.version() IS NOT NULL AS on_path`;
  const r = await run('make', ['-s', 'psql', `SQL=${sql}`, 'ARGS=-XAt'], db.env);
  t.equal(r.code, 0, 'exit 0', { stderr: r.stderr });
  t.equal(r.stdout, "it's|a $1 b|t\n", 'psql ran the command as typed');

  const search = await run('make', ['-s', 'psql', 'SQL=SELECT pg_catalog.current_schemas(false)', 'ARGS=-XAt'], db.env);
  t.equal(search.stdout, '{eventlog,public}\n', 'the install schema is on the search_path');

  const args = await run('make', ['-s', 'psql', "ARGS=-XAt -c 'SELECT 40 + 2'"], db.env);
  t.equal(args.stdout, '42\n', 'ARGS still works for simple arguments');
});
