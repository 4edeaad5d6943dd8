// Runs a script's body and turns any failure into one line on stderr and exit code 1.
import { ProcessOutput } from 'zx';

export async function script(name: string, body: () => Promise<number | void>): Promise<void> {
  try {
    const code = await body();
    if (typeof code === 'number') process.exitCode = code;
  } catch (err) {
    console.error(`${name}: ${describe(err)}`);
    process.exitCode = 1;
  }
}

function describe(err: unknown): string {
  if (err instanceof ProcessOutput) {
    const last = err.stderr.trim().split('\n').filter(Boolean).at(-1) ?? '';
    return `a command failed (exit ${err.exitCode})${last ? `: ${last}` : ''}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
