// `pg-eventlog wake`: run the one wake-up watcher of a database until Ctrl-C or SIGTERM.
import { Command, InvalidArgumentError, Option } from 'commander';
import { WakeWatcher } from './index.ts';
import { DEFAULT_SCHEMA } from './retry.ts';

interface WakeFlags {
  databaseUrl?: string;
  schema: string;
  channel?: string;
  interval: number;
  idleInterval: number;
  verbose?: boolean;
}

const positive = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number of milliseconds.`);
  return n;
};

export function wakeCommand(): Command {
  return new Command('wake')
    .description('watch the end of the readable log and NOTIFY <schema>_wake once per advance (one per database), so subscribers wake without writers notifying')
    .addOption(new Option('-d, --database-url <url>', 'postgres:// URL of the database (default: DATABASE_URL, then PG* variables); connect directly, not through a transaction pooler'))
    .addOption(new Option('-s, --schema <name>', 'install schema').default(DEFAULT_SCHEMA))
    .option('--channel <name>', 'notification channel (default: <schema>_wake)')
    .addOption(new Option('--interval <ms>', 'poll interval while events arrive').argParser(positive('--interval')).default(1))
    .addOption(new Option('--idle-interval <ms>', 'poll interval after 2 s without events').argParser(positive('--idle-interval')).default(10))
    .option('-v, --verbose', 'print each advance')
    .exitOverride()
    .action(async (flags: WakeFlags) => {
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const watcher = new WakeWatcher({
        connectionString: flags.databaseUrl,
        schema: flags.schema,
        channel: flags.channel,
        intervalMs: flags.interval,
        idleIntervalMs: flags.idleInterval,
        onError: (err) => console.error(`pg-eventlog wake: ${err.message}; reconnecting`),
      });
      let failure: Error | undefined;
      watcher.on('error', (err: Error) => {
        failure = err;
        stop.abort();
      });
      if (flags.verbose) watcher.on('advance', ({ etag }: { etag: string }) => console.error(`pg-eventlog wake: log end ${etag}`));
      try {
        await watcher.start();
        if (!failure) console.error(`pg-eventlog wake: notifying channel ${watcher.channel} (log end ${watcher.logEnd})`);
        await new Promise<void>((resolve) => (stop.signal.aborted ? resolve() : stop.signal.addEventListener('abort', () => resolve(), { once: true })));
        await watcher.close();
        if (failure) throw failure;
        console.error(`pg-eventlog wake: stopped after ${watcher.notifications} notifications`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
