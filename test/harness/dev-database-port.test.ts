// make start keeps its port for the same .data/ across make stop / make start, so a saved URL
// keeps working; only when that port is taken does it pick another, and says so on stderr.
//
// Runs scripts/start.ts and scripts/stop.ts themselves, on local binaries, with the data
// directory moved to a temp dir (PG_EVENTLOG_DATA_DIR), so the developer's own .data/ is untouched.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { run } from '../lib/db.ts';

const env = () => {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(e)) if (k === 'DATABASE_URL' || k.startsWith('PG')) delete e[k];
  return e;
};

t.test('make start: same port after a stop; another one, said on stderr, only when it is taken', async (t) => {
  const data = await mkdtemp(path.join(tmpdir(), 'pgel-dev-data-'));
  await chmod(data, 0o755); // the postgres user keeps its cluster under it
  const scriptEnv = { ...env(), PG_EVENTLOG_DATA_DIR: data, PG_EVENTLOG_PROVIDER: 'local' };
  const start = () => run(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], scriptEnv);
  const stop = () => run(process.execPath, ['--import', 'tsx', 'scripts/stop.ts'], scriptEnv);
  t.teardown(async () => {
    await stop();
    await rm(data, { recursive: true, force: true });
  });
  const portOf = (stdout: string) => Number(new URL(stdout.trim()).port);

  const first = await start();
  t.equal(first.code, 0, 'first start exits 0', { stderr: first.stderr });
  const port = portOf(first.stdout);
  t.ok(port > 0, `listens on ${port}`);
  t.equal((await stop()).stdout, 'stopped\n');

  const second = await start();
  t.equal(second.code, 0, 'second start exits 0', { stderr: second.stderr });
  t.equal(portOf(second.stdout), port, 'the same port after stop and start');
  t.notMatch(second.stderr, /taken/, 'nothing to report');
  t.equal((await stop()).code, 0);

  // Someone else takes the port while the database is stopped.
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
  const third = await start();
  t.equal(third.code, 0, 'third start exits 0', { stderr: third.stderr });
  const moved = portOf(third.stdout);
  t.not(moved, port, 'a taken port is not reused');
  t.match(third.stderr, new RegExp(`port ${port} of the last start is taken; using ${moved} instead \\(the URL changes\\)`), 'and it says so on stderr');
  t.equal((await stop()).code, 0);

  const fourth = await start();
  t.equal(portOf(fourth.stdout), moved, 'from then on the new port is kept');
});
