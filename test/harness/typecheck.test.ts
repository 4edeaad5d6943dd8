// The TypeScript of the CLI, scripts and tests type-checks (tsx runs it without checking).
import path from 'node:path';
import t from 'tap';
import { repoRoot, run } from '../lib/db.ts';

t.test('tsc -p tsconfig.json reports no errors', async (t) => {
  const r = await run(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
  t.equal(r.code, 0, `tsc exits 0\n${r.stdout}${r.stderr}`);
});
