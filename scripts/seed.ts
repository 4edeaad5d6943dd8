// make seed: (re)loads seed/demo.sql into the database of make start (or DATABASE_URL).
import { $, fs, path } from 'zx';
import { persistentUrl, pgEnv, repoRoot } from './lib/database.ts';
import { script } from './lib/script.ts';

await script('seed', async () => {
  const url = await persistentUrl();
  if (!url) throw new Error('no database to seed; run make start first (or set DATABASE_URL)');
  const seed = path.join(repoRoot, 'seed', 'demo.sql');
  if (!(await fs.pathExists(seed))) {
    console.error('seed: seed/demo.sql does not exist yet; nothing to load');
    return;
  }
  await $({ env: { ...process.env, ...pgEnv(url) }, stdio: ['ignore', 'ignore', 'pipe'] })`psql -X -q -v ON_ERROR_STOP=1 -f ${seed}`;
  console.log(`loaded seed/demo.sql into ${url}`);
});
