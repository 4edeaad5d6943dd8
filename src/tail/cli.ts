// `pg-eventlog tail`: arguments and signals; the work is tail() in ./index.ts.
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_SCHEMA } from '../wake/retry.ts';
import { tail } from './index.ts';

interface TailFlags {
  databaseUrl?: string;
  schema: string;
  client?: string;
  from?: string;
  stream?: string;
  streamPrefix?: string;
  type: string[];
  json?: boolean;
  wakeups: 'listen' | 'watch' | 'none';
  pollInterval: number;
  batchSize: number;
}

const positiveInt = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive integer.`);
  return n;
};

export function tailCommand(): Command {
  return new Command('tail')
    .description('follow the log: one line per event (--json: one JSON object per line) until Ctrl-C')
    .addOption(new Option('-d, --database-url <url>', 'postgres:// URL of the database (default: DATABASE_URL, then PG* variables)'))
    .addOption(new Option('-s, --schema <name>', 'install schema').default(DEFAULT_SCHEMA))
    .addOption(new Option('--client <name>', 'follow a named client, acknowledging each batch once printed').conflicts('from'))
    .addOption(new Option('--from <etag>', 'print the events after this etag (0: from the beginning; default: only new events)'))
    .option('--stream <stream>', 'only events of this stream')
    .option('--stream-prefix <prefix>', 'only events whose stream starts with this')
    .option('--type <type>', 'only events of this type (repeat for several)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--json', 'one JSON object per line')
    .addOption(new Option('--wakeups <how>', 'listen: wake-ups from `pg-eventlog wake`; watch: poll the log end in this process; none: poll only')
      .choices(['listen', 'watch', 'none']).default('listen'))
    .addOption(new Option('--poll-interval <ms>', 'safety-net poll').argParser(positiveInt('--poll-interval')).default(1000))
    .addOption(new Option('--batch-size <n>', 'events per read').argParser(positiveInt('--batch-size')).default(100))
    .exitOverride()
    .action(async (flags: TailFlags) => {
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      // `pg-eventlog tail | head`: a closed pipe ends the tail like Ctrl-C.
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') stop.abort();
      });
      const write = (line: string) =>
        new Promise<void>((resolve) => {
          if (process.stdout.write(line + '\n')) resolve();
          else process.stdout.once('drain', resolve);
        });
      try {
        const { events } = await tail({
          connectionString: flags.databaseUrl,
          schema: flags.schema,
          client: flags.client,
          from: flags.from,
          filter: { stream: flags.stream, streamPrefix: flags.streamPrefix, types: flags.type },
          json: flags.json,
          wakeups: flags.wakeups,
          pollIntervalMs: flags.pollInterval,
          batchSize: flags.batchSize,
          signal: stop.signal,
          write,
          onError: (err) => console.error(`pg-eventlog tail: ${err.message}; reconnecting`),
        });
        console.error(`pg-eventlog tail: stopped after ${events} event${events === 1 ? '' : 's'}`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
