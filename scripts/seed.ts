// make seed: (re)loads seed/demo.sql into the database of make start (or DATABASE_URL).
import { persistentUrl, pgEnv } from './lib/database.ts';
import { script } from './lib/script.ts';
import { loadSeed } from './lib/seed.ts';

await script('seed', async () => {
  const url = await persistentUrl();
  if (!url) throw new Error('no database to seed; run make start first (or set DATABASE_URL)');
  if (!(await loadSeed(pgEnv(url)))) {
    console.error('seed: seed/demo.sql does not exist yet; nothing to load');
    return;
  }
  console.log(`loaded seed/demo.sql into ${url}`);
});
