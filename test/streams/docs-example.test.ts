// docs/streams.md's money transfer is runnable as printed: its sql blocks, run in order by psql
// on a fresh database, print exactly the output blocks that follow them in the page.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { freshDatabase, repoRoot, run } from '../lib/db.ts';

const page = await readFile(path.join(repoRoot, 'docs', 'streams.md'), 'utf8');
const example = page.slice(page.indexOf('## Example: a money transfer'), page.indexOf('\n## ', page.indexOf('## Example: a money transfer') + 1));
const blocks = [...example.matchAll(/```(sql)?\n([\s\S]*?)```/g)].map((m) => ({ sql: m[1] === 'sql', text: m[2] }));

// Lines as compared: trailing spaces, blank lines and row counts dropped, psql's file:line prefix cut.
const lines = (text: string) => text.split('\n')
  .map((l) => l.replace(/^psql:[^:]*:\d+: /, '').trimEnd())
  .filter((l) => l !== '' && !/^\(\d+ rows?\)$/.test(l));

t.test('the money transfer in docs/streams.md prints what the page shows', async (t) => {
  t.ok(blocks.filter((b) => b.sql).length >= 8, 'the example has its sql blocks');
  const db = await freshDatabase(t, { install: true });
  const script = blocks.filter((b) => b.sql).map((b) => b.text).join('\n');
  const r = await run('sh', ['-c', 'psql -X -v ON_ERROR_STOP=1 -v SHOW_CONTEXT=never -f - 2>&1 <<\'PGEL_EOF\'\n' + script + '\nPGEL_EOF\n'], db.env);
  t.equal(r.code, 0, `psql exits 0 ${r.stdout.slice(-500)}`);
  t.same(lines(r.stdout), lines(blocks.filter((b) => !b.sql).map((b) => b.text).join('\n')), 'the output is the one printed in the page');
});
