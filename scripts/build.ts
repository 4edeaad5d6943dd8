// npm run build: writes dist/pg-eventlog.sql, the single-file install for `psql -f`, and next to it
// the CREATE EXTENSION files (pg_eventlog.control, pg_eventlog--*.sql; scripts/lib/build-extension.ts).
import { fs, path } from 'zx';
import { buildBundle } from '../src/install/bundle.ts';
import { defaultMigrationsDir } from '../src/install/migrations.ts';
import { writeExtension } from './lib/build-extension.ts';
import { buildLibrary } from './lib/build-library.ts';
import { repoRoot } from './lib/database.ts';
import { script } from './lib/script.ts';

await script('build', async () => {
  const out = path.resolve(process.argv[2] ?? path.join(repoRoot, 'dist', 'pg-eventlog.sql'));
  const { version } = await fs.readJson(path.join(repoRoot, 'package.json'));
  await fs.mkdirp(path.dirname(out));
  await fs.writeFile(out, await buildBundle(defaultMigrationsDir, version));
  console.log(`wrote ${path.relative(process.cwd(), out) || out}`);
  const extension = await writeExtension(path.dirname(out));
  console.log(`wrote ${[...extension.files.keys()].join(', ')} (extension version ${extension.defaultVersion})`);
  if (!process.argv[2]) console.log(`wrote ${path.relative(process.cwd(), buildLibrary())} (the library, with declarations)`);
});
