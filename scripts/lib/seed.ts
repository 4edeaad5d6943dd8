// Loads seed/demo.sql, the demo data of `make start` and `make seed`; the README examples test
// loads it the same way, so its database is the quick-start one.
import { $, fs, path } from 'zx';
import { repoRoot } from './database.ts';

export const seedFile = path.join(repoRoot, 'seed', 'demo.sql');

/** Runs seed/demo.sql with psql against the database `env` describes; false when there is no seed file. */
export async function loadSeed(env: Record<string, string | undefined>): Promise<boolean> {
  if (!(await fs.pathExists(seedFile))) return false;
  await $({ env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })`psql -X -q -v ON_ERROR_STOP=1 -f ${seedFile}`;
  return true;
}
