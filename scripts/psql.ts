// make psql: psql on the database of make start (or DATABASE_URL), with the install schema on
// the search_path so `SELECT * FROM get_event('demo');` works as typed. Arguments go to psql.
import { spawnSync } from 'node:child_process';
import { persistentUrl, pgEnv } from './lib/database.ts';
import { script } from './lib/script.ts';

await script('psql', async () => {
  const url = await persistentUrl();
  if (!url) throw new Error('no database; run make start first (or set DATABASE_URL)');
  const schema = process.env.EVENTLOG_SCHEMA ?? 'eventlog';
  const env = { ...process.env, ...pgEnv(url), PGOPTIONS: `${process.env.PGOPTIONS ?? ''} -c search_path=${schema},public`.trim() };
  const r = spawnSync('psql', process.argv.slice(2), { stdio: 'inherit', env });
  if (r.error) throw new Error(`cannot run psql: ${r.error.message}`);
  return r.status ?? 1;
});
