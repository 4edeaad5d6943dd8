// make stop: stops the database of make start; its data stays in .data/ for the next start.
import { stopPersistentCluster } from './lib/database.ts';
import { script } from './lib/script.ts';

await script('stop', async () => {
  console.log((await stopPersistentCluster()) ? 'stopped' : 'not running');
});
