// The package entry: `npm run build` compiles the library to dist/ with declarations, and a
// project that depends on pg-eventlog can `import { subscribe, Wakeups } from 'pg-eventlog'` at
// run time and type-check against it (a consumer in a temporary directory, with the package
// linked into its node_modules as npm would place it).
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { buildLibrary } from '../../scripts/lib/build-library.ts';
import { repoRoot, run } from '../lib/db.ts';

t.test('import { subscribe, Wakeups } from "pg-eventlog" works and is typed', async (t) => {
  buildLibrary();
  const dir = await mkdtemp(path.join(tmpdir(), 'pgel-consumer-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, 'node_modules', '@types'), { recursive: true });
  await symlink(repoRoot, path.join(dir, 'node_modules', 'pg-eventlog'), 'dir');
  await symlink(path.join(repoRoot, 'node_modules', '@types', 'node'), path.join(dir, 'node_modules', '@types', 'node'), 'dir');
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));

  await writeFile(path.join(dir, 'probe.mjs'),
    `import * as lib from 'pg-eventlog';\n` +
    `console.log(JSON.stringify({ subscribe: typeof lib.subscribe, Wakeups: typeof lib.Wakeups, WakeWatcher: typeof lib.WakeWatcher, channel: lib.wakeChannel() }));\n`);
  const probe = await run(process.execPath, [path.join(dir, 'probe.mjs')]);
  t.equal(probe.code, 0, `node imports the package entry ${probe.stderr}`);
  t.same(JSON.parse(probe.stdout || '{}'), { subscribe: 'function', Wakeups: 'function', WakeWatcher: 'function', channel: 'eventlog_wake' },
    'it exports subscribe, Wakeups and WakeWatcher');

  // Right and wrong uses: the wrong ones must be type errors (@ts-expect-error fails otherwise).
  await writeFile(path.join(dir, 'consumer.ts'), `
import { subscribe, Wakeups, type Batch, type LogEvent } from 'pg-eventlog';
const wakeups = new Wakeups({ connectionString: 'postgres://localhost/app' });
async function follow(signal: AbortSignal): Promise<string> {
  for await (const batch of subscribe({ client: 'billing', batchSize: 10, wakeups, signal, filter: { types: ['paid'] } })) {
    const b: Batch = batch;
    const e: LogEvent | undefined = b.events[0];
    if (e) return e.etag + e.txOrder + e.ctime.toISOString() + (e.stream ?? '') + String(e.version);
  }
  return '';
}
// @ts-expect-error delivery is one of two words
subscribe({ client: 'billing', delivery: 'exactly-once' });
// @ts-expect-error an etag position is a string
subscribe({ from: 0 });
export { follow };
`);
  await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'], skipLibCheck: true },
    files: ['consumer.ts'],
  }));
  const tsc = await run(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(dir, 'tsconfig.json')]);
  t.equal(tsc.code, 0, `a consumer type-checks against dist/index.d.ts ${tsc.stdout}${tsc.stderr}`);
});
