// The command line: help, exit codes and one-line errors.
import t from 'tap';
import { cli, freshDatabase } from '../lib/db.ts';

const noDbEnv = () => {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k === 'DATABASE_URL' || k.startsWith('PG')) delete env[k];
  return env;
};

t.test('--help lists the commands and exits 0', async (t) => {
  const r = await cli(['--help']);
  t.equal(r.code, 0);
  for (const c of ['install', 'upgrade', 'status', 'uninstall']) t.match(r.stdout, new RegExp(`^\\s+${c} \\[options\\]`, 'm'), `lists ${c}`);
  const sub = await cli(['install', '--help']);
  t.equal(sub.code, 0);
  t.match(sub.stdout, /--database-url <url>/);
  t.match(sub.stdout, /--schema <name>/);
  t.match(r.stdout.replace(/\s+/g, ' '), /uninstall \[options\] drop what install created .*; refuses, dropping nothing, while anything else is in the way; nothing else is touched/, 'uninstall says what it refuses');
});

t.test('an unreachable database: exit 1 and one clear line', async (t) => {
  const r = await cli(['install', '--database-url', 'postgres://nobody:secret@127.0.0.1:1/nowhere'], noDbEnv());
  t.equal(r.code, 1);
  t.equal(r.stdout, '');
  t.match(r.stderr, /^pg-eventlog: error: cannot connect to postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED.*\n$/);
  t.notMatch(r.stderr, /secret/, 'the password is not printed');
});

t.test('a malformed URL: exit 1 and one clear line', async (t) => {
  const r = await cli(['status', '--database-url', 'localhost:5432/db'], noDbEnv());
  t.equal(r.code, 1);
  t.equal(r.stderr, 'pg-eventlog: error: invalid database URL "localhost:5432/db": expected postgres://user@host:port/database\n');
});

t.test('an unknown command: exit 1', async (t) => {
  const r = await cli(['frobnicate']);
  t.equal(r.code, 1);
  t.match(r.stderr, /unknown command 'frobnicate'/);
});

t.test('DATABASE_URL and PG* variables are used when no flag is given', async (t) => {
  const db = await freshDatabase(t);
  const viaUrl = await cli(['status'], { ...noDbEnv(), DATABASE_URL: db.url });
  t.equal(viaUrl.code, 0, viaUrl.stderr);
  t.match(viaUrl.stdout, /^pg-eventlog is not installed in schema eventlog \(\d+ migrations available\)$/m);

  const pgOnly = { ...noDbEnv(), ...Object.fromEntries(Object.entries(db.env).filter(([k]) => k.startsWith('PG'))) };
  const installed = await cli(['install'], pgOnly as NodeJS.ProcessEnv);
  t.equal(installed.code, 0, installed.stderr);
  t.match(installed.stdout, /^installed pg-eventlog/);
  const s = await cli(['status'], pgOnly as NodeJS.ProcessEnv);
  t.match(s.stdout, /^pg-eventlog \d+\.\d+\.\d+\S* in schema eventlog\napplied: \d+ migrations \(last: \d+ [\w-]+\)\npending: none\n$/);
});

t.test('upgrade refuses a database without pg-eventlog', async (t) => {
  const db = await freshDatabase(t);
  const r = await cli(['upgrade', '--database-url', db.url], db.env);
  t.equal(r.code, 1);
  t.equal(r.stderr, 'pg-eventlog: error: pg-eventlog is not installed in schema eventlog; run install first\n');
  t.same(await db.query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'eventlog'"), [], 'nothing created');
});

t.test('a failing migration: exit 1, one line naming it, nothing half-applied', async (t) => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const dir = await mkdtemp(path.join(tmpdir(), 'pgel-bad-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, '0001_create-schema.sql'), 'CREATE SCHEMA IF NOT EXISTS eventlog;\n');
  await writeFile(path.join(dir, '0002_break.sql'), 'CREATE TABLE eventlog.t (x int);\nSELECT 1/0;\n');
  const db = await freshDatabase(t);
  const r = await cli(['install', '--database-url', db.url, '--migrations', dir], db.env);
  t.equal(r.code, 1);
  t.match(r.stderr, /^pg-eventlog: error: .*'break'.*division by zero\n$/);
  t.same(await db.query('SELECT id FROM eventlog.migrations ORDER BY id'), [{ id: 0 }, { id: 1 }], 'the failed migration is not recorded');
  t.same(await db.query("SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = 'eventlog' AND tablename = 't'"), [], 'and rolled back');
});
