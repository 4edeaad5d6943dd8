// npm run release -- X.Y.Z   (or: make release VERSION=X.Y.Z)
//
// Freezes the migrations of src/sql as release X.Y.Z: appends the release, with each file's
// sha256, to src/install/extension-releases.json, turns the CHANGELOG's "## Unreleased" heading
// into "## X.Y.Z (date)" under a new empty "## Unreleased", sets package.json's version, and
// rebuilds dist/ (bundle and extension, now with the upgrade script from the previous release).
// It refuses, changing nothing, when a released migration changed, when there is nothing new to
// release, when eventlog.version() (the newest migration restating it) does not return X.Y.Z, or
// when the CHANGELOG's unreleased section does not name every migration of the release.
// Commit and tag afterwards yourself: it never runs git. See CONTRIBUTING.md#releasing.
//
// Options (for tests; the defaults are the repository's files): --migrations DIR, --manifest FILE,
// --changelog FILE, --package-json FILE, --date YYYY-MM-DD, --no-build.
import { $, fs, path } from 'zx';
import { extensionMigrations, frozenProblems, readManifest, sha256, validVersion, defaultManifestPath } from '../src/install/extension.ts';
import { defaultMigrationsDir } from '../src/install/migrations.ts';
import { repoRoot } from './lib/database.ts';
import { script } from './lib/script.ts';

await script('release', async () => {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const value = args[i + 1];
    args.splice(i, 2);
    return value;
  };
  const migrationsDir = option('migrations', defaultMigrationsDir);
  const manifestPath = option('manifest', defaultManifestPath);
  const changelogPath = option('changelog', path.join(repoRoot, 'CHANGELOG.md'));
  const packagePath = option('package-json', path.join(repoRoot, 'package.json'));
  const date = option('date', new Date().toISOString().slice(0, 10));
  const build = !args.includes('--no-build');
  const version = args.filter((a) => !a.startsWith('--'))[0];
  const fail = (message: string) => {
    throw new Error(`${message}; nothing was changed`);
  };

  if (!version) fail('usage: npm run release -- X.Y.Z (the version to release)');
  if (!/^\d+\.\d+\.\d+$/.test(version) || !validVersion(version)) fail(`"${version}" is not a version like 1.2.3`);
  const manifest = await readManifest(manifestPath);
  if (manifest.releases.some((r) => r.version === version)) fail(`${version} is already released`);
  const migrations = await extensionMigrations(migrationsDir);
  const problems = frozenProblems(manifest, migrations);
  if (problems.length) fail(problems.join('; '));
  const last = manifest.releases.at(-1);
  if (last && compareVersions(version, last.version) <= 0) fail(`${version} is not newer than the last release, ${last.version}`);
  const added = migrations.slice(last?.migrations.length ?? 0);
  if (!added.length) fail(`no migration since ${last!.version}: nothing to release`);

  // eventlog.version() is what an install reports: the newest migration that defines it must say X.Y.Z.
  const definer = [...migrations].reverse().find((m) => /FUNCTION\s+eventlog\.version\s*\(\s*\)/i.test(m.sql) && /CREATE (OR REPLACE )?FUNCTION\s+eventlog\.version/i.test(m.sql));
  const returned = definer?.sql.match(/SELECT\s+'([^']+)'::text/)?.[1];
  if (returned !== version) {
    fail(`eventlog.version() returns ${returned ? `'${returned}'` : 'nothing we can read'} (${definer?.fileName ?? 'no migration defines it'}), not '${version}': add a migration that restates it with CREATE OR REPLACE FUNCTION eventlog.version() returning '${version}'`);
  }

  const changelog = await fs.readFile(changelogPath, 'utf8');
  const heading = changelog.match(/^## Unreleased.*$/m);
  if (!heading) fail(`${changelogPath} has no "## Unreleased" heading`);
  const sectionStart = heading!.index! + heading![0].length;
  const nextHeading = changelog.slice(sectionStart).search(/^## /m);
  const section = changelog.slice(sectionStart, nextHeading < 0 ? undefined : sectionStart + nextHeading);
  const unnamed = added.filter((m) => !section.includes(m.fileName));
  if (unnamed.length) fail(`the CHANGELOG's unreleased section does not name ${unnamed.map((m) => m.fileName).join(', ')}: say what each migration of the release does`);

  manifest.releases.push({ version, date, migrations: migrations.map((m) => ({ file: m.fileName, sha256: sha256(m.sql) })) });
  const updatedChangelog = changelog.slice(0, heading!.index!) + `## Unreleased\n\n## ${version} (${date})` + changelog.slice(sectionStart);
  const pkg = await fs.readJson(packagePath);
  pkg.version = version;

  await fs.writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  await fs.writeFile(changelogPath, updatedChangelog);
  await fs.writeFile(packagePath, JSON.stringify(pkg, null, 2) + '\n');
  console.log(`released ${version}: ${added.length} migration(s) frozen (${added[0].fileName} … ${added.at(-1)!.fileName}) in ${path.relative(process.cwd(), manifestPath)}; CHANGELOG heading and package.json version written`);
  if (build) await $({ cwd: repoRoot, stdio: 'inherit' })`${process.execPath} --import tsx scripts/build.ts`;
  console.log(`next: run make test, then git commit -am "Release ${version}" && git tag v${version}`);
});

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map(Number);
  const pb = b.split(/[.-]/).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] || 0) - (pb[i] || 0);
    if (d) return d;
  }
  return 0;
}
