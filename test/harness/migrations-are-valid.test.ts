// The migrations directory is what postgres-migrations will accept: consecutive ids from 1,
// unique names, nothing else in the folder. Same check as `pg-validate-migrations src/sql`.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { repoRoot, run } from '../lib/db.ts';

t.test('src/sql passes pg-validate-migrations', async (t) => {
  const r = await run(path.join(repoRoot, 'node_modules', '.bin', 'pg-validate-migrations'), ['src/sql']);
  t.equal(r.code, 0, `pg-validate-migrations exits 0 ${r.stderr}`);
});

t.test('migration files are named NNNN_verb-object.sql and numbered without gaps', async (t) => {
  const files = (await readdir(path.join(repoRoot, 'src', 'sql'))).filter((f) => f.endsWith('.sql')).sort();
  t.same(files.filter((f) => !/^\d{4}_[a-z]+(-[a-z0-9]+)*\.sql$/.test(f)), [], 'every name follows NNNN_verb-object.sql');
  t.same(files.map((f) => Number(f.slice(0, 4))), files.map((_, i) => i + 1), 'numbers run 1, 2, 3, … without gaps');
});
