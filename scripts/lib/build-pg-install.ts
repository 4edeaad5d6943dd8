// A private PostgreSQL installation: the server binaries of `bindir` copied into a temp tree whose
// share/…/extension directory is our own, so CREATE EXTENSION pg_eventlog can be tested without
// writing into the system's `pg_config --sharedir` (shared by everyone on the machine).
//
// PostgreSQL finds its share and lib directories relative to the running executable when they
// sit where the compiled-in paths put them relative to the bin directory (make_relative_path in
// src/port/path.c). So the copy keeps that layout: with P the common prefix of the compiled
// bindir, sharedir and pkglibdir (Debian: /usr), each goes to <tmp>/<path without P>. Only
// postgres, initdb, pg_ctl and pg_config are copied (they resolve symlinks to find themselves);
// the lib directory and every share entry but extension/ are symlinks; extension/ holds links
// to the originals plus the files we add.
import { $, fs, os, path } from 'zx';
import { onExit, postgresOwner } from './database.ts';

export interface PrivateInstallation {
  /** Its bin directory: pass as PG_EVENTLOG_PG_BIN or provideCluster({ bindir }). */
  bindir: string;
  /** Its `pg_config --sharedir`/extension, ours to write. */
  extensionDir: string;
  /** Removes the tree (also done at process exit). */
  remove(): Promise<void>;
}

const SERVER_BINARIES = ['postgres', 'initdb', 'pg_ctl', 'pg_config'];

export async function privateInstallation(sourceBindir: string): Promise<PrivateInstallation> {
  const pgConfig = path.join(sourceBindir, 'pg_config');
  const [bindir, sharedir, pkglibdir] = (await $({ quiet: true })`${pgConfig} --bindir --sharedir --pkglibdir`).stdout.trim().split('\n');
  const prefix = commonPrefix([bindir, sharedir, pkglibdir]);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'pg-eventlog-pginst-'));
  const remove = async () => void (await fs.remove(root));
  const cancel = onExit(() => fs.removeSync(root), remove);
  const at = (p: string) => path.join(root, path.relative(prefix, p));
  await fs.mkdirp(at(bindir));
  for (const b of SERVER_BINARIES) await fs.copy(path.join(sourceBindir, b), path.join(at(bindir), b), { dereference: true });
  await fs.mkdirp(path.dirname(at(pkglibdir)));
  await fs.symlink(pkglibdir, at(pkglibdir));
  await fs.mkdirp(at(sharedir));
  for (const entry of await fs.readdir(sharedir)) {
    if (entry !== 'extension') await fs.symlink(path.join(sharedir, entry), path.join(at(sharedir), entry));
  }
  const extensionDir = path.join(at(sharedir), 'extension');
  await fs.mkdirp(extensionDir);
  for (const file of await fs.readdir(path.join(sharedir, 'extension')).catch(() => [] as string[])) {
    await fs.symlink(path.join(sharedir, 'extension', file), path.join(extensionDir, file));
  }
  // The postgres user (we may be root) must reach the binaries.
  for (let dir = at(bindir); dir.startsWith(root); dir = path.dirname(dir)) await fs.chmod(dir, 0o755);
  const owner = await postgresOwner();
  if (owner) await fs.chown(extensionDir, owner.uid, owner.gid);
  const reported = (await $({ quiet: true })`${path.join(at(bindir), 'pg_config')} --sharedir`).stdout.trim();
  if (path.join(reported, 'extension') !== extensionDir) {
    await remove();
    throw new Error(`a copy of ${sourceBindir} does not find its share directory relative to itself (pg_config says ${reported}); this PostgreSQL build is not relocatable`);
  }
  return {
    bindir: at(bindir),
    extensionDir,
    async remove() {
      cancel();
      await remove();
    },
  };
}

function commonPrefix(paths: string[]): string {
  const split = paths.map((p) => path.resolve(p).split(path.sep));
  const out: string[] = [];
  for (let i = 0; split.every((s) => i < s.length - 1 && s[i] === split[0][i]); i++) out.push(split[0][i]);
  return out.join(path.sep) || path.sep;
}
