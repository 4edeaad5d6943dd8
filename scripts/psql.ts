// make psql: psql on the database of make start (or DATABASE_URL), with the install schema on
// the search_path so `SELECT * FROM get_event('demo');` works as typed. Arguments go to psql;
// PSQL_COMMAND (set by `make psql SQL="…"`, verbatim) becomes `-c <command>`.
import { spawnSync } from 'node:child_process';
import { persistentUrl, pgEnv } from './lib/database.ts';
import { script } from './lib/script.ts';

await script('psql', async () => {
  const url = await persistentUrl();
  if (!url) throw new Error('no database; run make start first (or set DATABASE_URL)');
  const schema = process.env.EVENTLOG_SCHEMA ?? 'eventlog';
  const { PSQL_COMMAND: command, ...rest } = process.env;
  const env = { ...rest, ...pgEnv(url), PGOPTIONS: `${process.env.PGOPTIONS ?? ''} -c search_path=${schema},public`.trim() };
  const args = [...(command ? ['-c', command] : []), ...process.argv.slice(2)];
  const r = spawnSync('psql', args, { stdio: 'inherit', env });
  if (r.error) throw new Error(`cannot run psql: ${r.error.message}`);
  return r.status ?? 1;
});
