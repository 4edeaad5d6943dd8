// COPY ... FROM STDIN from a test, through psql (node-postgres has no COPY support of its own):
// a script fed to `psql -f -` on stdin, with the rows inline after the COPY command, as in a
// plain-format pg_dump. Errors are reported with their SQLSTATE (VERBOSITY verbose).
import { spawn } from 'node:child_process';
import { repoRoot } from './db.ts';

/** One row of COPY's text format: tab-separated, `\N` for NULL, backslash escapes for \, tab, newline, CR. */
export function copyLine(values: (string | null)[]): string {
  return values
    .map((v) => (v === null ? '\\N' : v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')))
    .join('\t') + '\n';
}

/** `COPY <target> FROM STDIN;`, the rows, and the end marker: a piece of a psql script. */
export function copyFromStdin(target: string, rows: (string | null)[][]): string {
  return `COPY ${target} FROM STDIN;\n${rows.map(copyLine).join('')}\\.\n`;
}

export interface PsqlResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The first error psql reported: its SQLSTATE and message (the text after the code). */
  error?: { code: string; message: string };
}

/**
 * Runs `script` with `psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -f -` in `env` (PG*
 * variables naming the database and role). statement_timeout is 60 s unless PGOPTIONS says
 * otherwise, so a statement that waits forever fails instead of hanging the test.
 */
export function psqlScript(env: NodeJS.ProcessEnv, script: string): Promise<PsqlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose', '-f', '-'], {
      env: { PGOPTIONS: '-c statement_timeout=60000', ...env },
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /ERROR:\s+([0-9A-Z]{5}): (.*)$/m.exec(stderr);
      resolve({ code, stdout, stderr, ...(m ? { error: { code: m[1], message: m[2] } } : {}) });
    });
    child.stdin.on('error', () => {}); // psql may exit (ON_ERROR_STOP) before reading everything
    child.stdin.end(script);
  });
}
