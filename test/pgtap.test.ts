// Runs every pgTAP suite in test/pgtap/**/*.test.sql inside tap, one subtest per file, so SQL
// and TypeScript results land in one report. The same files run unchanged under pg_prove
// (see README: install, load _helpers.sql, then pg_prove -d DB test/pgtap/**/*.test.sql).
import { existsSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { glob } from 'zx';
import { freshDatabase, psql, repoRoot } from './lib/db.ts';

const files = (await glob('test/pgtap/**/*.test.sql', { cwd: repoRoot })).sort();
const helpers = path.join(repoRoot, 'test', 'pgtap', '_helpers.sql');

const db = await freshDatabase(t, { install: true });
await db.query('CREATE EXTENSION IF NOT EXISTS pgtap');
if (existsSync(helpers)) {
  const r = await psql(db, ['-q', '-f', helpers]);
  if (r.code !== 0) throw new Error(`test/pgtap/_helpers.sql failed: ${r.stderr.trim()}`);
}

t.ok(files.length > 0, `found ${files.length} pgTAP files`);
for (const file of files) {
  await t.spawn('psql', ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-f', file], { cwd: repoRoot, env: db.env }, file);
}
