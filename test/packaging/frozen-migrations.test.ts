// Released migrations are frozen: src/install/extension-releases.json records each released file
// with its sha256, and a change to one of them (content, name, place, or removal) is found, both
// by the check itself and by the build, which then refuses. `npm run release` writes the manifest
// entry and the CHANGELOG heading, and refuses what would break the freeze. Needs no database.
import { cp, mkdtemp, readFile, rename, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { buildExtension, extensionMigrations, frozenProblems, readManifest, type ReleaseManifest } from '../../src/install/extension.ts';
import { defaultMigrationsDir } from '../../src/install/migrations.ts';
import { repoRoot, run } from '../lib/db.ts';
import { syntheticManifest } from './lib.ts';

async function copyOfSql(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pgel-frozen-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await cp(defaultMigrationsDir, path.join(dir, 'sql'), { recursive: true });
  return dir;
}

t.test('the committed manifest agrees with src/sql', async (t) => {
  const manifest = await readManifest();
  t.same(frozenProblems(manifest, await extensionMigrations(defaultMigrationsDir)), [], 'no released migration changed');
});

t.test('a change to a released migration is found; unreleased ones may change', async (t) => {
  const dir = await copyOfSql(t);
  const sql = path.join(dir, 'sql');
  const migrations = await extensionMigrations(sql);
  const manifest: ReleaseManifest = await syntheticManifest([{ version: '0.0.1', count: 10 }]);
  const released = migrations[4].fileName;
  const unreleased = migrations[20].fileName;
  const check = async () => frozenProblems(manifest, await extensionMigrations(sql));
  t.same(await check(), [], 'an unchanged copy passes');

  await appendFile(path.join(sql, unreleased), '\n-- an edit to an unreleased migration\n');
  t.same(await check(), [], 'editing an unreleased migration is fine');

  const original = await readFile(path.join(sql, released), 'utf8');
  await writeFile(path.join(sql, released), original.replace(/\n$/, ' \n'));
  const problems = await check();
  t.equal(problems.length, 1, 'one trailing space in a released file is found');
  t.match(problems[0], `${released} changed since release 0.0.1`, 'naming the file and the release');
  await t.rejects(buildExtension(sql, manifest, '0.1.0'), new RegExp(`cannot build the extension: ${released} changed`), 'and the build refuses');
  await writeFile(path.join(sql, released), original);
  t.same(await check(), [], 'undoing the change passes again');

  const renamed = released.replace(/_.*/, '_renamed-migration.sql');
  await rename(path.join(sql, released), path.join(sql, renamed));
  t.match((await check())[0], `is ${renamed}, but release 0.0.1 has ${released} there`, 'a renamed released file is found');
});

t.test('a release history that rewrites an earlier release is refused', async (t) => {
  const manifest = await syntheticManifest([{ version: '0.0.1', count: 5 }, { version: '0.0.2', count: 8 }]);
  manifest.releases[1].migrations[2].sha256 = '0'.repeat(64);
  t.match(frozenProblems(manifest, await extensionMigrations(defaultMigrationsDir)), [/release 0.0.2 does not start with the migrations of release 0.0.1/]);
});

t.test('npm run release writes the manifest entry, the CHANGELOG heading and the version; refuses what breaks the freeze', async (t) => {
  const dir = await copyOfSql(t);
  const sql = path.join(dir, 'sql');
  const files = { manifest: path.join(dir, 'releases.json'), changelog: path.join(dir, 'CHANGELOG.md'), pkg: path.join(dir, 'package.json') };
  await writeFile(files.manifest, '{ "releases": [] }\n');
  await cp(path.join(repoRoot, 'package.json'), files.pkg);
  const migrations = await extensionMigrations(sql);
  // A CHANGELOG of its own, as it stands before a first release (the repository's has released):
  // an Unreleased section naming every migration.
  await writeFile(files.changelog, `# Changelog\n\n## Unreleased\n\n${migrations.map((m) => `- \`${m.fileName}\` — what it does.\n`).join('')}`);
  const release = (version: string) => run(process.execPath, ['--import', 'tsx', 'scripts/release.ts', version, '--no-build', '--date', '2030-01-02',
    '--migrations', sql, '--manifest', files.manifest, '--changelog', files.changelog, '--package-json', files.pkg]);
  const versionNow = (await readFile(path.join(sql, '0003_add-version.sql'), 'utf8')).match(/SELECT '([^']+)'::text/)![1];

  const wrong = await release('9.9.9');
  t.not(wrong.code, 0, 'a version eventlog.version() does not return is refused');
  t.match(wrong.stderr, `eventlog.version() returns '${versionNow}'`);

  const ok = await release(versionNow);
  t.equal(ok.code, 0, `release ${versionNow} ${ok.stderr}`);
  const manifest = JSON.parse(await readFile(files.manifest, 'utf8')) as ReleaseManifest;
  t.same(manifest.releases.map((r) => [r.version, r.date, r.migrations.length]), [[versionNow, '2030-01-02', migrations.length]], 'the manifest has the release with every migration');
  t.same(frozenProblems(manifest, migrations), [], 'which matches the files');
  const changelog = await readFile(files.changelog, 'utf8');
  t.match(changelog, `## Unreleased\n\n## ${versionNow} (2030-01-02)\n`, 'the CHANGELOG has the release heading under a new Unreleased one');
  t.equal(JSON.parse(await readFile(files.pkg, 'utf8')).version, versionNow, 'package.json has the version');
  const build = await buildExtension(sql, manifest, versionNow);
  t.same([build.defaultVersion, build.released], [versionNow, true], 'the build now makes the released version');

  const again = await release('0.2.0');
  t.not(again.code, 0, 'with no new migration, there is nothing to release');
  t.match(again.stderr, `no migration since ${versionNow}: nothing to release; nothing was changed`);

  await appendFile(path.join(sql, migrations[1].fileName), '\n');
  const changed = await release('0.2.0');
  t.not(changed.code, 0, 'a changed released migration is refused');
  t.match(changed.stderr, `${migrations[1].fileName} changed since release ${versionNow}`);
  t.equal(await readFile(files.manifest, 'utf8'), JSON.stringify(manifest, null, 2) + '\n', 'and nothing was changed');
});
