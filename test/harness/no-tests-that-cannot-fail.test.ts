// The guard against tests that cannot fail (issue 18; rules in test/lib/cannot-fail.ts and
// docs/testing.md). First the rules themselves, on small examples, each shown to catch its
// pattern and to leave the fixed form alone; then every test file of the repository. Needs no
// database.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { glob } from 'zx';
import { findBareExemptions, findConstantPasses, findCountsAfterThrows, splitStatements, type Finding } from '../lib/cannot-fail.ts';
import { repoRoot } from '../lib/db.ts';

// Spelled in pieces, so that this file itself holds no call and no bare marker for the scan below.
const PASS = ['t', 'pass'].join('.');
const OK = ['cannot', 'fail', 'ok'].join('-');
const lines = (findings: Finding[]) => findings.map((f) => f.line);

t.test('TypeScript: a pass() call is refused unless exempted with a reason', async (t) => {
  const src = [
    `${PASS}('nothing checked');`,                              // 1: refused
    `  await x; st${PASS.slice(1)}('nested subtest');`,          // 2: refused (any test object)
    `// ${PASS}('only mentioned in a comment')`,                 // 3: not a call
    `t.ok(true === compass.passes, 'compass')`,                  // 4: another name
    `${PASS}('kept'); // ${OK}: shows the reporter's output in the TAP stream`, // 5: exempt
    `// ${OK}: the next line reports a count for the log only`,  // 6
    `${PASS}(\`read \${n} rows\`);`,                              // 7: exempt by the line above
  ].join('\n');
  t.same(lines(findConstantPasses('x.ts', src)), [1, 2], 'refuses lines 1 and 2 only');
  t.same(lines(findBareExemptions('x.ts', `${PASS}('x'); // ${OK}\n${PASS}('y'); // ${OK}: ok\n`)), [1, 2],
    'an exemption without a reason (or with a token one) is refused');
});

t.test('SQL statements are split at top-level semicolons only', async (t) => {
  const sql = [
    `SELECT 'a;b', E'it\\'s;', "x;y" FROM t; -- c;d`,
    `SELECT $$x;y$$, $f$;$f$; /* e;`,
    `f */ SELECT 3;`,
  ].join('\n');
  t.same(splitStatements(sql).map((s) => [s.sql, s.first]), [
    [`SELECT 'a;b', E'it\\'s;', "x;y" FROM t`, 0],
    ['SELECT $$x;y$$, $f$;$f$', 1],
    ['SELECT 3', 2],
  ], 'strings, identifiers, dollar quotes and comments keep their semicolons');
});

t.test('pgTAP: a row count right after throws_ok in the same transaction is refused', async (t) => {
  const file = (body: string[]) => ['BEGIN;', 'SELECT plan(3);', ...body, 'SELECT * FROM finish();', 'ROLLBACK;'].join('\n');
  const throws = `SELECT throws_ok($$SELECT eventlog.log_event(NULL)$$, '22004', NULL, 'NULL payload');`;

  t.same(lines(findCountsAfterThrows('a.sql', file([
    throws,
    `SELECT throws_ok($$SELECT eventlog.log_event('42')$$, '22023', NULL, 'a scalar');`,
    `SELECT is((SELECT count(*) FROM eventlog.events), 0::bigint, 'nothing was written');`,
    `SELECT is(`,
    `  (SELECT count(*) FROM eventlog.streams),`,
    `  0::bigint, 'no stream was created');`,
    `SELECT is_empty('SELECT * FROM eventlog.client_cursors', 'no cursor');`,
  ]))), [5, 6, 9], 'the counts after the refusals, each at its first line');

  t.same(lines(findCountsAfterThrows('b.sql', file([
    throws,
    `SELECT eventlog.log_event('{"n": 1}');`,
    `SELECT is((SELECT count(*) FROM eventlog.events), 1::bigint, 'the call after it wrote one event');`,
  ]))), [], 'not after another statement that may write');

  t.same(lines(findCountsAfterThrows('c.sql', file([
    throws,
    `SELECT lives_ok($$SELECT eventlog.log_event('{}')$$, 'an object is taken');`,
    `SELECT is((SELECT count(*) FROM eventlog.events), 1::bigint, 'lives_ok kept its write');`,
    `SELECT is((SELECT count(*) FROM eventlog.log_event('[{}, {}]')), 2::bigint, 'counts what a call returns');`,
    `SELECT is(eventlog_test.etags_as('r', $$SELECT * FROM eventlog.get_event('c')$$), '{}', 'a read that may write');`,
    `SELECT is((SELECT count(*) FROM eventlog.client_cursors), 1::bigint, 'after a call that may write');`,
  ]))), [], 'not after lives_ok, not a count of what a call returns, not after an assertion that calls our functions');

  t.same(lines(findCountsAfterThrows('d.sql', [
    'BEGIN;', throws, 'ROLLBACK;', 'BEGIN;',
    `SELECT is((SELECT count(*) FROM eventlog.events), 0::bigint, 'a new transaction');`, 'ROLLBACK;',
  ].join('\n'))), [], 'not in the next transaction');

  t.same(lines(findCountsAfterThrows('e.sql', file([
    throws,
    `-- ${OK}: the count checks the fixture above, not the refusal`,
    `SELECT is((SELECT count(*) FROM eventlog.events), 0::bigint, 'exempt');`,
    throws,
    `SELECT is((SELECT count(*) FROM eventlog.events), 0::bigint, 'exempt too'); -- ${OK}: the same reason`,
  ]))), [], 'an exemption with a reason, above or on the statement');

  t.same(lines(findCountsAfterThrows('f.sql', file([
    throws,
    'SAVEPOINT s;',
    `SELECT is((SELECT etag FROM eventlog.client_cursors), 0::bigint, 'not a count');`,
    `SELECT is((SELECT count(*) FROM eventlog.events), 0::bigint, 'still refused');`,
  ]))), [6], 'a savepoint or an assertion that is not a count in between does not help');
});

t.test('the repository has no test that the guard refuses', async (t) => {
  const files = (await glob(['test/**/*.{ts,js,mjs,cjs,sql}'], { cwd: repoRoot })).sort();
  t.ok(files.some((f) => f.endsWith('.sql')) && files.some((f) => f.endsWith('.ts')), `scans ${files.length} files`);
  const findings: string[] = [];
  for (const file of files) {
    const text = await readFile(path.join(repoRoot, file), 'utf8');
    const found = [
      ...findBareExemptions(file, text),
      ...(file.endsWith('.sql') ? findCountsAfterThrows(file, text) : findConstantPasses(file, text)),
    ];
    findings.push(...found.map((f) => `${f.file}:${f.line} [${f.rule}] ${f.message}`));
  }
  t.same(findings, [], 'no pass() call, no row count right after throws_ok, no exemption without a reason (see docs/testing.md)');
});
