// Restarting a local throwaway cluster (provideCluster({ provider: 'local' })) in place, as an
// operator's `pg_ctl restart` would: same data directory, same port (pg_ctl reuses the options
// in postmaster.opts), a new postmaster start time.
import path from 'node:path';
import { $ } from 'zx';
import { asPostgres, findPostgresBindir, waitForPostgres, withClient } from '../../scripts/lib/database.ts';

const sh = $({ quiet: true, verbose: false });

/**
 * `pg_ctl restart -m fast` of the local cluster that `superuserUrl` connects to (its data
 * directory from `SHOW data_directory`, its log next to it as the provider keeps it); resolves
 * when it accepts connections again. Every open connection to it is gone afterwards.
 */
export async function restartCluster(superuserUrl: string): Promise<void> {
  const bindir = await findPostgresBindir();
  if (!bindir) throw new Error('Restarting a cluster needs the local PostgreSQL server binaries (pg_ctl).');
  const dataDir = await withClient(superuserUrl, async (c) => (await c.query<{ data_directory: string }>('SHOW data_directory')).rows[0].data_directory);
  const home = path.dirname(dataDir);
  const [cmd, args] = asPostgres(path.join(bindir, 'pg_ctl'),
    ['-D', dataDir, '-l', path.join(home, 'postgres.log'), '-m', 'fast', '-w', '-t', '60', 'restart']);
  const r = await sh({ cwd: home, nothrow: true })`${cmd} ${args}`;
  if (r.exitCode !== 0) throw new Error(`pg_ctl restart failed: ${r.stderr.trim() || r.stdout.trim()}`);
  await waitForPostgres(superuserUrl);
}
