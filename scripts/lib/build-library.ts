// The package entry (`import { subscribe, Wakeups } from 'pg-eventlog'`): src/index.ts and what
// it imports, compiled by tsc to dist/*.js with declarations (dist/index.d.ts), relative imports
// rewritten from .ts to .js. package.json "exports" points here. The CLI keeps running the
// TypeScript sources through tsx (bin/pg-eventlog.js), so only the library needs compiling.
import { path } from 'zx';
import { spawnSync } from 'node:child_process';
import { repoRoot } from './database.ts';

export function buildLibrary(outDir = path.join(repoRoot, 'dist')): string {
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [
    tsc, path.join(repoRoot, 'src', 'index.ts'),
    '--outDir', outDir, '--rootDir', path.join(repoRoot, 'src'),
    '--declaration', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
    '--lib', 'ES2023', '--types', 'node', '--strict', '--skipLibCheck', '--esModuleInterop',
    '--allowImportingTsExtensions', '--rewriteRelativeImportExtensions', '--noEmitOnError', '--pretty', 'false',
  ];
  const r = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc failed building the library: ${(r.stdout + r.stderr).trim()}`);
  return path.join(outDir, 'index.js');
}
