// The extension half of `npm run build`: pg_eventlog.control and its scripts next to the bundle,
// and `make install-extension`'s copy of them into a PostgreSQL installation's extension directory.
import { $, fs, path } from 'zx';
import { buildExtension, defaultManifestPath, EXTENSION_NAME, readManifest, type ExtensionBuild } from '../../src/install/extension.ts';
import { defaultMigrationsDir } from '../../src/install/migrations.ts';
import { repoRoot } from './database.ts';

export interface WriteExtensionOptions {
  migrationsDir?: string;
  manifestPath?: string;
  packageVersion?: string;
}

/** Writes the extension's files into `dir`, removing stale pg_eventlog--*.sql there first; returns the build. */
export async function writeExtension(dir: string, options: WriteExtensionOptions = {}): Promise<ExtensionBuild> {
  const packageVersion = options.packageVersion ?? (await fs.readJson(path.join(repoRoot, 'package.json'))).version;
  const build = await buildExtension(
    options.migrationsDir ?? defaultMigrationsDir,
    await readManifest(options.manifestPath ?? defaultManifestPath),
    packageVersion,
  );
  await fs.mkdirp(dir);
  for (const file of await fs.readdir(dir)) {
    // (pg_eventlog-restore-*.sql: the restore procedure's scripts of earlier builds, no longer needed)
    if ((file.startsWith(`${EXTENSION_NAME}--`) || file.startsWith(`${EXTENSION_NAME}-restore-`)) && file.endsWith('.sql')) await fs.remove(path.join(dir, file));
  }
  for (const [name, text] of build.files) await fs.writeFile(path.join(dir, name), text);
  return build;
}

/** The extension files in `dir` (as written by writeExtension). */
export async function extensionFiles(dir: string): Promise<string[]> {
  return (await fs.readdir(dir))
    .filter((f: string) => f === `${EXTENSION_NAME}.control` || (f.startsWith(`${EXTENSION_NAME}--`) && f.endsWith('.sql')))
    .sort();
}

/** `$(pg_config --sharedir)/extension` of the pg_config on PATH, or of `pgConfig`. */
export async function extensionDir(pgConfig = 'pg_config'): Promise<string> {
  const r = await $({ quiet: true })`${pgConfig} --sharedir`;
  return path.join(r.stdout.trim(), 'extension');
}

/** Copies the extension files of `fromDir` into `toDir` (an extension directory), replacing older ones of ours. */
export async function copyExtension(fromDir: string, toDir: string): Promise<string[]> {
  const files = await extensionFiles(fromDir);
  if (!files.includes(`${EXTENSION_NAME}.control`)) throw new Error(`no ${EXTENSION_NAME}.control in ${fromDir}: run npm run build first`);
  for (const file of await fs.readdir(toDir)) {
    if (file.startsWith(`${EXTENSION_NAME}--`) && file.endsWith('.sql')) await fs.remove(path.join(toDir, file));
  }
  for (const file of files) await fs.copy(path.join(fromDir, file), path.join(toDir, file));
  return files;
}
