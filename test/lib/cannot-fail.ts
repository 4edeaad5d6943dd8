// The guard against tests that cannot fail (issue 18), used by
// test/harness/no-tests-that-cannot-fail.test.ts. Two patterns, both cheap to spot in the text:
//
// 1. TypeScript: tap's `pass(…)` (`t.pass`, `st.pass`, …) records a success whatever happened.
// 2. pgTAP: a row count of a table right after `throws_ok` in the same transaction, with nothing
//    in between that could have written. throws_ok runs its statement in a subtransaction that is
//    rolled back, so whatever the refused call wrote is gone before the count runs: "nothing was
//    written" checked that way passes whether or not the function writes before it raises.
//
// A line is exempt when it, or the line just above it, carries `cannot-fail-ok: <reason>` (in a
// comment); the reason must say something (5 characters or more). See docs/testing.md.

export interface Finding {
  file: string;
  /** 1-based line of the offending call or statement. */
  line: number;
  rule: 'constant-pass' | 'count-after-throws' | 'bare-exemption';
  message: string;
}

// Spelled in pieces so that this file does not carry a bare marker itself.
const MARKER = ['cannot', 'fail', 'ok'].join('-');
const EXEMPT = new RegExp(`${MARKER}:\\s*(\\S.{4,})`);

function exempt(lines: string[], index: number): boolean {
  return EXEMPT.test(lines[index] ?? '') || EXEMPT.test(lines[index - 1] ?? '');
}

/** Exemption markers that give no reason: refused, so that every exemption says why. */
export function findBareExemptions(file: string, text: string): Finding[] {
  return text.split('\n').flatMap((l, i) =>
    l.includes(MARKER) && !EXEMPT.test(l)
      ? [{ file, line: i + 1, rule: 'bare-exemption' as const, message: `${l.trim()}: an exemption needs a reason after "${MARKER}:"` }]
      : []);
}

// ---------------------------------------------------------------------------------------------
// TypeScript

const PASS_CALL = /(?:^|[^\w$.])[A-Za-z_$][\w$]*\s*\.\s*pass\s*\(/;

/** Calls of tap's `pass()` in a TypeScript/JavaScript test file. */
export function findConstantPasses(file: string, text: string): Finding[] {
  const lines = text.split('\n');
  const findings: Finding[] = [];
  lines.forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, ''); // a mention in a line comment is not a call
    if (PASS_CALL.test(code) && !exempt(lines, i)) {
      findings.push({
        file, line: i + 1, rule: 'constant-pass',
        message: `${line.trim()}: pass() asserts nothing; assert the value or state the message claims`,
      });
    }
  });
  return findings;
}

// ---------------------------------------------------------------------------------------------
// pgTAP

export interface Statement {
  /** The statement with comments removed, whitespace collapsed. */
  sql: string;
  /** 0-based line index of its first and last character. */
  first: number;
  last: number;
}

/**
 * Splits SQL into statements at top-level semicolons, honouring '…' (and E'…'), "…", $tag$…$tag$,
 * -- and /* *\/ comments. Good enough for test files; not a parser.
 */
export function splitStatements(text: string): Statement[] {
  const out: Statement[] = [];
  let sql = '';
  let line = 0;
  let first = -1;
  const push = () => {
    const s = sql.replace(/\s+/g, ' ').trim();
    if (s) out.push({ sql: s, first, last: line });
    sql = '';
    first = -1;
  };
  const add = (chunk: string) => {
    if (first < 0 && chunk.trim()) first = line;
    sql += chunk;
    line += (chunk.match(/\n/g) ?? []).length;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const rest = text.slice(i);
    if (rest.startsWith('--')) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end; // the newline itself is added next round
      continue;
    }
    if (rest.startsWith('/*')) {
      let depth = 0;
      let j = i;
      do {
        if (text.startsWith('/*', j)) { depth++; j += 2; } else if (text.startsWith('*/', j)) { depth--; j += 2; } else j++;
      } while (depth > 0 && j < text.length);
      const comment = text.slice(i, j);
      line += (comment.match(/\n/g) ?? []).length;
      sql += ' ';
      i = j;
      continue;
    }
    const dollar = /^\$([A-Za-z_][\w]*)?\$/.exec(rest);
    if (dollar) {
      const end = text.indexOf(dollar[0], i + dollar[0].length);
      const j = end < 0 ? text.length : end + dollar[0].length;
      add(text.slice(i, j));
      i = j;
      continue;
    }
    if (c === "'" || c === '"') {
      const escapes = c === "'" && /[eE]$/.test(text.slice(Math.max(0, i - 1), i)) && !/[\w]/.test(text[i - 2] ?? '');
      let j = i + 1;
      while (j < text.length) {
        if (escapes && text[j] === '\\') { j += 2; continue; }
        if (text[j] === c) {
          if (text[j + 1] === c) { j += 2; continue; }
          break;
        }
        j++;
      }
      add(text.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    if (c === ';') {
      push();
      i++;
      continue;
    }
    add(c);
    i++;
  }
  push();
  return out;
}

const THROWS = /^SELECT\s+(?:\w+\.)?(throws_ok|throws_like|throws_ilike|throws_matching|throws_imatching)\s*\(/i;
const LIVES = /^SELECT\s+(?:\w+\.)?lives_ok\s*\(/i;
const ASSERTION = /^SELECT\s+(?:\w+\.)?(ok|is|isnt|cmp_ok|matches|imatches|alike|unalike|results_eq|results_ne|set_eq|set_ne|set_has|set_hasnt|bag_eq|bag_ne|bag_has|bag_hasnt|is_empty|isnt_empty|row_eq|is_deeply)\s*\(/i;
/** Statements that neither write nor end the transaction: they leave what throws_ok left. */
const NEUTRAL = /^(SELECT\s+(?:\w+\.)?(plan|diag|note|skip|todo|todo_start|todo_end)\s*\(|SELECT\s+\*\s+FROM\s+(?:\w+\.)?finish\s*\(|SAVEPOINT\b|RELEASE\b|ROLLBACK\s+TO\b|\\)/i;
const BOUNDARY = /^(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT)\b/i;
/** count(…) FROM a table (a name not followed by "("), or is_empty/isnt_empty over such a query. */
const TABLE_COUNT = /\bcount\s*\(\s*(?:\*|[\w.]+)\s*\)\s+FROM\s+(?:ONLY\s+)?[A-Za-z_][\w.]*\b(?!\s*\()/i;
const EMPTY_CHECK = /^SELECT\s+(?:\w+\.)?isn?t?_empty\s*\(/i;
const READS_TABLE = /\bFROM\s+(?:ONLY\s+)?[A-Za-z_][\w.]*\b(?!\s*\()/i;
/** A call of a schema-qualified function (it may write): after it, a count can tell something. */
const QUALIFIED_CALL = /\b[A-Za-z_]\w*\.[A-Za-z_]\w*\s*\(/;

function isTableCount(sql: string): boolean {
  return TABLE_COUNT.test(sql) || (EMPTY_CHECK.test(sql) && READS_TABLE.test(sql));
}

/** Row-count assertions that follow throws_ok in the same transaction with nothing in between that could write. */
export function findCountsAfterThrows(file: string, text: string): Finding[] {
  const lines = text.split('\n');
  const findings: Finding[] = [];
  let afterThrows: number | undefined; // line of the throws_ok the current state comes from
  for (const st of splitStatements(text)) {
    const { sql } = st;
    if (BOUNDARY.test(sql) && !/^ROLLBACK\s+TO\b/i.test(sql)) {
      afterThrows = undefined;
    } else if (THROWS.test(sql)) {
      afterThrows = st.first;
    } else if (LIVES.test(sql)) {
      afterThrows = undefined; // lives_ok keeps what its statement wrote
    } else if (ASSERTION.test(sql)) {
      if (afterThrows !== undefined && isTableCount(sql)) {
        const exempted = [st.first, ...Array.from({ length: st.last - st.first }, (_, k) => st.first + k + 1)].some((i) => exempt(lines, i));
        if (!exempted) {
          findings.push({
            file, line: st.first + 1, rule: 'count-after-throws',
            message: `${lines[st.first].trim()}: a row count right after throws_ok (line ${afterThrows + 1}) cannot fail, `
              + 'throws_ok rolled back whatever the call wrote; check from another connection, or call it in a savepoint of your own',
          });
        }
      } else if (!isTableCount(sql) && QUALIFIED_CALL.test(sql.replace(/'(?:[^']|'')*'|\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$/g, "''"))) {
        afterThrows = undefined; // e.g. is(eventlog.get_event('c')…): it may have written
      }
    } else if (!NEUTRAL.test(sql)) {
      afterThrows = undefined; // any other statement may write: a count after it can fail
    }
  }
  return findings;
}
