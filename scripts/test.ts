// make test / npm test: ONE throwaway PostgreSQL for the whole run (or DATABASE_URL), then tap
// over test/**/*.test.ts, serially: an open transaction anywhere in the cluster holds back event
// delivery for every database, so test files running side by side would disturb each other.
// Extra arguments are passed to tap (e.g. a single test file).
import { $, glob, path } from 'zx';
import { provideCluster, repoRoot } from './lib/database.ts';
import { script } from './lib/script.ts';

await script('test', async () => {
  const args = process.argv.slice(2);
  const files = args.some((a) => !a.startsWith('-')) ? [] : (await glob('test/**/*.test.ts', { cwd: repoRoot })).sort();
  const log = (m: string) => console.error(`# ${m}`);

  const cluster = await provideCluster({ log });
  log(`database: ${cluster.kind} ${cluster.url}`);
  try {
    const tap = path.join(repoRoot, 'node_modules', '.bin', 'tap');
    // On a cluster of our own, `freshDatabase(t, { install: true })` copies one installed template
    // database instead of running the migrations again (test/lib/db.ts); never on DATABASE_URL's.
    const env = { ...process.env, ...cluster.env, PG_EVENTLOG_TEST_TEMPLATES: process.env.PG_EVENTLOG_TEST_TEMPLATES ?? (cluster.kind === 'url' ? '0' : '1') };
    const r = await $({ cwd: repoRoot, stdio: 'inherit', nothrow: true, env })`${tap} --jobs=1 ${args} ${files}`;
    return r.exitCode ?? 1;
  } finally {
    await cluster.stop();
  }
});
