// The package's public API: `import { subscribe, Wakeups } from 'pg-eventlog'`. What this file
// does not export is internal.
export { subscribe, matches, SubscribeError } from './subscribe/index.ts';
export type { Batch, EventFilter, LogEvent, SubscribeOptions } from './subscribe/index.ts';
export { Wakeups, WakeWatcher, wakeChannel, isConnectionError } from './wake/index.ts';
export type { Wake, WakeupsOptions, WakeWatcherOptions } from './wake/index.ts';
