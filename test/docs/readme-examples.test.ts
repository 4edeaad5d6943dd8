// Every checked SQL example of README.md reproduces exactly on the quick-start database.
//
// The marking (CONTRIBUTING.md, "README examples"): a ```sql block followed directly (blank
// lines between are fine) by a ```text block is an example; the text block is what psql prints
// for it. The examples run in README order, each in its own psql session, on ONE database made
// as `make start` makes it: pg-eventlog installed, then seed/demo.sql loaded. So an example sees
// what the examples above it appended. psql runs as `make psql` does (search_path eventlog,
// public) without a psqlrc; errors are compared as psql prints them, without the
// "psql:<stdin>:N:" prefix. The "(N rows)" footer may be left out of the README block.
// A ```sql block followed by an unmarked ``` block is refused: mark it ```text so it is checked.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { loadSeed } from '../../scripts/lib/seed.ts';
import { freshDatabase, repoRoot, type TestDatabase } from '../lib/db.ts';

interface Block {
  lang: string;
  body: string;
  line: number;
}

/** The fenced blocks of a Markdown text, with their info string and starting line. */
export function fencedBlocks(markdown: string): { blocks: Block[]; between: string[] } {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  const between: string[] = [];
  let gap: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) {
      gap.push(lines[i]);
      continue;
    }
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^```\s*$/.test(lines[j])) body.push(lines[j++]);
    between.push(gap.join('\n'));
    gap = [];
    blocks.push({ lang: open[1], body: body.join('\n'), line: i + 1 });
    i = j;
  }
  return { blocks, between };
}

/** What psql prints for `sql`, stdout and stderr interleaved as a terminal shows them. */
function runExample(db: TestDatabase, sql: string): string {
  const env = { ...db.env, PGOPTIONS: `${db.env.PGOPTIONS ?? ''} -c search_path=eventlog,public`.trim() };
  const r = spawnSync('sh', ['-c', 'exec psql -X 2>&1'], { input: sql + '\n', env, encoding: 'utf8' });
  if (r.error) throw r.error;
  return r.stdout.replace(/^psql:<stdin>:\d+: /gm, '');
}

const normalize = (s: string) => s.split('\n').map((l) => l.trimEnd()).join('\n').replace(/\n+$/, '');
const withoutFooter = (s: string) => s.replace(/\n\(\d+ rows?\)$/, '');

t.test('README SQL examples reproduce on the quick-start database', async (t) => {
  const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
  const { blocks, between } = fencedBlocks(readme);
  const examples: { sql: Block; output: Block }[] = [];
  for (let i = 0; i < blocks.length; i++) {
    if (blocks[i].lang !== 'sql' || i + 1 >= blocks.length || between[i + 1].trim() !== '') continue;
    const next = blocks[i + 1];
    if (next.lang === 'text') examples.push({ sql: blocks[i], output: next });
    else if (next.lang === '') t.fail(`README.md:${next.line}: the output of the example at line ${blocks[i].line} is unmarked; open it with \`\`\`text so it is checked`);
  }
  t.ok(examples.length >= 3, `README.md has examples to check (${examples.length})`);

  const db = await freshDatabase(t, { install: true });
  t.equal(await loadSeed(db.env), true, 'seed/demo.sql loaded, as make start loads it');

  for (const { sql, output } of examples) {
    const expected = normalize(output.body);
    let actual = normalize(runExample(db, sql.body));
    if (!/\n\(\d+ rows?\)$/.test(expected)) actual = withoutFooter(actual);
    t.equal(actual, expected, `README.md:${sql.line}: ${sql.body.split('\n')[0]}`);
  }
});
