// make install-extension [PG_CONFIG=…]: copies dist/pg_eventlog.control and dist/pg_eventlog--*.sql
// (npm run build) into `$(pg_config --sharedir)/extension`, replacing older pg_eventlog scripts
// there. Writing there usually needs root (sudo make install-extension). Then, in a database, as
// a superuser: CREATE EXTENSION pg_eventlog; see docs/install.md#create-extension.
import { path } from 'zx';
import { copyExtension, extensionDir } from './lib/build-extension.ts';
import { repoRoot } from './lib/database.ts';
import { script } from './lib/script.ts';

await script('install-extension', async () => {
  const to = await extensionDir(process.argv[2] ?? 'pg_config');
  const files = await copyExtension(path.join(repoRoot, 'dist'), to);
  console.log(`copied ${files.join(', ')} to ${to}`);
});
