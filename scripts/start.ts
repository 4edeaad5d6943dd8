// make start: a persistent local database with the log installed and demo data loaded.
// Data lives under .data/ (git-ignored); the URL is written to .data/url and printed.
import { install } from '../src/install/index.ts';
import { startPersistentCluster } from './lib/database.ts';
import { script } from './lib/script.ts';
import { loadSeed } from './lib/seed.ts';

await script('start', async () => {
  const log = (m: string) => console.error(`# ${m}`);
  const cluster = await startPersistentCluster({ database: 'eventlog_dev', log });
  const result = await install({ databaseUrl: cluster.url }).catch((err: Error) => {
    throw new Error(`${err.message} (the database keeps running at ${cluster.url}: make stop stops it; rm -rf .data starts over)`);
  });
  log(result.applied.length ? `installed pg-eventlog ${result.version} (${result.applied.length} migrations)` : `pg-eventlog ${result.version} is installed and up to date`);

  if (result.applied.includes('0001_create-schema.sql') && (await loadSeed(cluster.env))) log('loaded seed/demo.sql');
  console.log(cluster.url);
  log('next: make psql, make seed, make stop');
});
