// The `serve` command of the CLI: parses flags, runs serve() until SIGTERM or SIGINT.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULTS, serve } from './index.ts';

interface ServeFlags {
  databaseUrl?: string;
  schema: string;
  host: string;
  port: number;
  token?: string;
  tokenFile?: string;
  corsOrigin?: string[];
  batchSize: number;
  maxBuffer: number;
  heartbeat: number;
  retry: number;
  pollInterval: number;
  poolSize: number;
  wakeups: 'listen' | 'watch' | 'none';
  verbose?: boolean;
}

function int(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('not a whole number.');
  return Number(value);
}

export function addServeCommand(prog: Command): void {
  prog.command('serve')
    .description('serve the log as Server-Sent Events over HTTP: GET /events, /healthz, /metrics (see docs/push.md)')
    .addOption(new Option('-d, --database-url <url>', 'postgres:// URL; use a role that holds eventlog_reader only (default: DATABASE_URL, then PG* variables)'))
    .addOption(new Option('-s, --schema <name>', 'install schema').default(DEFAULTS.schema))
    .addOption(new Option('--host <address>', 'address to listen on; anything but loopback requires a token').default(DEFAULTS.host))
    .addOption(new Option('-p, --port <port>', 'TCP port (0: any free port)').argParser(int).default(DEFAULTS.port))
    .addOption(new Option('--token <token>', 'bearer token required on /events and /metrics (at least 16 characters)').env('PG_EVENTLOG_SERVE_TOKEN'))
    .addOption(new Option('--token-file <path>', 'read the token from a file (first line)'))
    .addOption(new Option('--cors-origin <origin...>', 'origins allowed to read from a browser on another origin, or *'))
    .addOption(new Option('--batch-size <n>', 'events per database read while replaying').argParser(int).default(DEFAULTS.batchSize))
    .addOption(new Option('--max-buffer <bytes>', 'bytes queued for a subscriber that does not read before it is closed').argParser(int).default(DEFAULTS.maxBufferBytes))
    .addOption(new Option('--heartbeat <ms>', 'interval of the heartbeat comment').argParser(int).default(DEFAULTS.heartbeatMs))
    .addOption(new Option('--retry <ms>', 'reconnection delay sent to browsers (retry:)').argParser(int).default(DEFAULTS.retryMs))
    .addOption(new Option('--poll-interval <ms>', 'how often the tail reads the log without a wake-up').argParser(int).default(DEFAULTS.pollIntervalMs))
    .addOption(new Option('--pool-size <n>', 'database connections').argParser(int).default(DEFAULTS.poolSize))
    .addOption(new Option('--wakeups <mode>', 'listen: for the wake watcher\'s notifications (pg-eventlog wake); watch: poll log_end() here (no watcher, hot standby, PgBouncer); none: poll the log only')
      .choices(['listen', 'watch', 'none']).default('listen'))
    .option('-v, --verbose', 'log every stream opened and closed to stderr')
    .action(async (flags: ServeFlags) => {
      const token = flags.tokenFile !== undefined ? readFileSync(flags.tokenFile, 'utf8').split(/\r?\n/)[0] : flags.token;
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      try {
        const h = await serve({
          connectionString: flags.databaseUrl,
          schema: flags.schema,
          host: flags.host,
          port: flags.port,
          token,
          corsOrigins: flags.corsOrigin,
          batchSize: flags.batchSize,
          maxBufferBytes: flags.maxBuffer,
          heartbeatMs: flags.heartbeat,
          retryMs: flags.retry,
          pollIntervalMs: flags.pollInterval,
          poolSize: flags.poolSize,
          wakeups: flags.wakeups === 'none' ? false : flags.wakeups,
          signal: ac.signal,
          log: flags.verbose ? (m) => console.error(`pg-eventlog: ${m}`) : undefined,
        });
        console.log(`pg-eventlog serve: listening on ${h.url} (GET /events, /healthz, /metrics)${token ? '; a bearer token is required' : ''}`);
        await h.closed;
        console.log('pg-eventlog serve: stopped');
      } finally {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
      }
    });
}
