// npx pg-eventlog install|upgrade|status|uninstall: the installer's command line.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { startRelay, streamSink, webhookSink } from './relay/index.ts';
import { addServeCommand } from './serve/cli.ts';
import { tailCommand } from './tail/cli.ts';
import { wakeCommand } from './wake/cli.ts';
import { DEFAULT_SCHEMA, install, InstallError, oneLine, status, uninstall, upgrade, type InstallOptions } from './install/index.ts';
import { DEFAULT_AHEAD, maintain } from './maintain/index.ts';
import { convert } from './convert/index.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

interface Flags {
  databaseUrl?: string;
  schema: string;
  rolePrefix?: string;
  migrations?: string;
  verbose?: boolean;
  json?: boolean;
}

function withConnectionFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('-d, --database-url <url>', 'postgres:// URL of the target database (default: DATABASE_URL, then PG* variables)'))
    .addOption(new Option('-s, --schema <name>', 'schema to install into').default(DEFAULT_SCHEMA))
    .addOption(new Option('--role-prefix <prefix>', 'prefix of the roles <prefix>_writer, _reader, _admin (default: the schema name)'))
    .addOption(new Option('--migrations <dir>', 'migrations directory (default: the package\'s src/sql)').hideHelp())
    .option('-v, --verbose', 'print what the migration runner does');
}

function toOptions(flags: Flags): InstallOptions {
  return {
    databaseUrl: flags.databaseUrl,
    schema: flags.schema,
    rolePrefix: flags.rolePrefix,
    migrationsDir: flags.migrations,
    log: flags.verbose ? (m) => console.error(`pg-eventlog: ${m}`) : undefined,
  };
}

export function program(): Command {
  const prog = new Command('pg-eventlog')
    .description('Install, upgrade, inspect or remove the pg-eventlog event log in a PostgreSQL database.')
    .version(pkg.version, '-V, --version')
    .showHelpAfterError('(run pg-eventlog --help for usage)')
    .addHelpText(
      'after',
      `
The database comes from --database-url, else DATABASE_URL, else the PG* variables
(PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE). Connect directly, not through a
transaction-mode pooler.

Examples:
  npx pg-eventlog install --database-url postgres://app@localhost:5432/app
  npx pg-eventlog status --schema eventlog --json
  npx pg-eventlog install --schema events --role-prefix events`,
    )
    .exitOverride();

  withConnectionFlags(prog.command('install'))
    .description('create the schema and roles and apply every migration (a no-op when already installed)')
    .action(async (flags: Flags) => {
      const r = await install(toOptions(flags));
      console.log(
        r.applied.length
          ? `installed pg-eventlog ${r.version ?? '?'} into schema ${r.schema} (${r.applied.length} migration${r.applied.length === 1 ? '' : 's'} applied)`
          : `pg-eventlog ${r.version ?? '?'} is already installed in schema ${r.schema}; nothing to do`,
      );
    });

  withConnectionFlags(prog.command('upgrade'))
    .description('apply pending migrations to an existing install')
    .action(async (flags: Flags) => {
      const r = await upgrade(toOptions(flags));
      console.log(
        r.applied.length
          ? `upgraded schema ${r.schema} to pg-eventlog ${r.version ?? '?'}: applied ${r.applied.join(', ')}`
          : `schema ${r.schema} is up to date (pg-eventlog ${r.version ?? '?'})`,
      );
    });

  withConnectionFlags(prog.command('status'))
    .description('show the installed version, applied and pending migrations, and objects install did not create')
    .option('--json', 'print the status as JSON')
    .action(async (flags: Flags) => {
      const s = await status(toOptions(flags));
      if (flags.json) {
        console.log(JSON.stringify(s, null, 2));
        return;
      }
      if (!s.installed) {
        console.log(`pg-eventlog is not installed in schema ${s.schema} (${s.pending.length} migrations available)`);
        return;
      }
      console.log(`pg-eventlog ${s.version ?? '(no version())'} in schema ${s.schema}`);
      console.log(`applied: ${s.applied.length} migration${s.applied.length === 1 ? '' : 's'}${s.applied.length ? ` (last: ${s.applied.at(-1)!.id} ${s.applied.at(-1)!.name})` : ''}`);
      console.log(`pending: ${s.pending.length ? s.pending.join(', ') : 'none'}`);
      if (s.changed.length) console.log(`changed since applied (upgrade will refuse): ${s.changed.join(', ')}`);
      if (s.foreign.length) console.log(`not created by pg-eventlog (uninstall will refuse): ${s.foreign.join(', ')}`);
      if (!s.recorded) console.log('no record of the objects install created (an older install): run install once, or uninstall will refuse');
    });

  withConnectionFlags(prog.command('uninstall'))
    .description('drop what install created (the schema, its event triggers, the three roles, the database default of <schema>.synchronous_cursors); refuses, dropping nothing, while anything else is in the way; nothing else is touched')
    .action(async (flags: Flags) => {
      const r = await uninstall(toOptions(flags));
      for (const e of r.eventTriggersDropped) console.log(`dropped event trigger ${e}`);
      console.log(r.schemaDropped ? `dropped schema ${r.schema}` : `schema ${r.schema} did not exist`);
      if (r.rolesDropped.length) console.log(`dropped roles: ${r.rolesDropped.join(', ')}`);
      for (const m of r.membershipsRemoved) console.log(`removed membership: ${m}`);
      for (const k of r.rolesKept) console.log(`kept role ${k.role}: ${k.reason}`);
    });

  prog.command('relay')
    .description('read a logical replication slot (pgoutput) and write each committed event as a JSON line to stdout, or POST them to a webhook; a transaction is confirmed to the server only after it was written, so a restart delivers again what a crash left unconfirmed (docs/kafka.md)')
    .requiredOption('--slot <name>', 'the logical replication slot to read (plug-in pgoutput)')
    .option('--publication <name>', 'the publication to decode (default: the schema name, as enable_publication() names it)')
    .option('--create-slot', 'create the slot when it does not exist')
    .option('--webhook <url>', 'POST each transaction\'s events as application/x-ndjson to this URL instead of writing to stdout; anything but 2xx stops the relay')
    .addOption(new Option('-d, --database-url <url>', 'postgres:// URL; the role needs REPLICATION (default: DATABASE_URL, then PG* variables)'))
    .addOption(new Option('-s, --schema <name>', 'schema of the log').default(DEFAULT_SCHEMA))
    .action(async (flags: { slot: string; publication?: string; createSlot?: boolean; webhook?: string; databaseUrl?: string; schema: string }) => {
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await startRelay({
          connectionString: flags.databaseUrl ?? process.env.DATABASE_URL,
          slot: flags.slot,
          publication: flags.publication ?? flags.schema,
          schema: flags.schema,
          createSlot: flags.createSlot,
          sink: flags.webhook ? webhookSink(flags.webhook) : streamSink(process.stdout),
          signal: abort.signal,
          logger: { info: (m) => console.error(`pg-eventlog relay: ${m}`), warn: (m) => console.error(`pg-eventlog relay: warning: ${m}`) },
        }).done;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
  addServeCommand(prog);
  prog.addCommand(wakeCommand()).addCommand(tailCommand());
  withConnectionFlags(prog.command('maintain'))
    .description('periodic maintenance: create the log\'s partitions ahead of the writers (ensure_partitions); run every few minutes as a member of the admin role')
    .addOption(new Option('--ahead <n>', 'empty partitions to keep above the current one').default(DEFAULT_AHEAD).argParser((v) => Number.parseInt(v, 10)))
    .action(async (flags: Flags & { ahead: number }) => {
      const r = await maintain({ ...toOptions(flags), ahead: flags.ahead });
      for (const p of r.created) console.log(`created partition ${p.partition} for etags ${p.fromEtag} to ${BigInt(p.toEtag) - 1n}`);
      if (!r.created.length) console.log(`partitions of ${r.schema}.events are in place; nothing to do`);
    });

  withConnectionFlags(prog.command('convert'))
    .description('convert a log installed before partitioning (eventlog.events a plain table) into this version, in place and in one transaction, keeping every event, cursor, stream, snapshot and tracked table (docs/partitions.md); a no-op when the log is partitioned already')
    .addOption(new Option('--partition-size <etags>', 'etags per range partition; every old event must fit the first (default 10000000)').argParser((v) => BigInt(v)))
    .addOption(new Option('--lock-timeout <ms>', 'how long to wait for open readers and writers of the old log').default(10_000).argParser((v) => Number.parseInt(v, 10)))
    .option('--json', 'print the result as JSON')
    .action(async (flags: Flags & { partitionSize?: bigint; lockTimeout: number }) => {
      const r = await convert({ ...toOptions(flags), partitionSize: flags.partitionSize, lockTimeoutMs: flags.lockTimeout });
      console.log(flags.json ? JSON.stringify(r, null, 2) : r.message);
    });

  return prog;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    await program().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed help, the version or its own error line
      return err.exitCode;
    }
    const message = err instanceof InstallError ? err.message : oneLine(String((err as Error)?.message ?? err));
    console.error(`pg-eventlog: error: ${message}`);
    return 1;
  }
}
