// The push side of the crash tests: a `pg-eventlog serve` process (the CLI, as deployed) that can
// be killed with the server and started again on the same port, and an SSE follower that
// reconnects the way a browser's EventSource does.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../../scripts/lib/database.ts';
import { openSse, type SseStream } from '../../serve/sse-client.ts';
import { sleep, waitFor } from '../../lib/wait.ts';

const BIN = fileURLToPath(new URL('../../../bin/pg-eventlog.js', import.meta.url));

export interface ServeProcess {
  url: string;
  /** Kills it (SIGKILL: nothing gets to close) and resolves when it has exited. */
  kill(): Promise<void>;
  /** Its stderr so far (serve --verbose logs there). */
  stderr(): string;
}

/** Starts `pg-eventlog serve` on `port` with `env` (DATABASE_URL) and `args`; resolves when it listens. */
export async function startServe(port: number, env: NodeJS.ProcessEnv, args: string[] = []): Promise<ServeProcess> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--port', String(port), ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  let exited = false;
  const exit = new Promise<void>((r) => child.on('exit', () => { exited = true; r(); }));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = await waitFor('serve to print its address', () => {
    if (exited) throw new Error(`serve exited before it listened: ${stderr.trim()}`);
    return /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
  }, { timeoutMs: 60_000 });
  return {
    url: url!,
    stderr: () => stderr,
    async kill() {
      process.off('exit', killOnExit);
      if (!exited) child.kill('SIGKILL');
      await exit;
    },
  };
}

/**
 * Follows `path` (e.g. /events?from=0) on a serve URL as EventSource does: on a network error or
 * the end of a stream it waits `retryMs` and reconnects with `Last-Event-ID` set to the id of the
 * last event it received whole; on a response that is not 200 it gives up (EventSource "fails the
 * connection" and never reconnects), which the test then reports.
 */
export class SseFollower {
  /** Every event id received, over all streams, in order. */
  private done: string[] = [];
  private current: SseStream | undefined;
  lastEventId = '';
  /** Streams opened (200). */
  opens = 0;
  /** Connection attempts, answered or not. */
  attempts = 0;
  /** Attempts that got no answer (refused, reset). */
  networkErrors = 0;
  /** A refusal: what made it give up, as a browser would. */
  gaveUp: { status: number; body: string } | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private base: () => string, private readonly path: string, private readonly retryMs = 200) {}

  /** Ids received, over every stream so far. */
  get received(): string[] {
    return this.current ? [...this.done, ...this.current.messages.map((m) => m.id!)] : this.done;
  }

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.attempts++;
      let s: SseStream;
      try {
        s = await openSse(`${this.base()}${this.path}`, this.lastEventId ? { 'Last-Event-ID': this.lastEventId } : {});
      } catch {
        this.networkErrors++;
        await sleep(this.retryMs);
        continue;
      }
      if (s.status !== 200) {
        await s.ended;
        this.gaveUp = { status: s.status, body: s.raw.trim().slice(0, 300) };
        return;
      }
      this.opens++;
      this.current = s;
      await s.ended;
      this.current = undefined;
      this.done.push(...s.messages.map((m) => m.id!));
      if (s.lastEventId) this.lastEventId = s.lastEventId;
      if (!this.stopped) await sleep(this.retryMs);
    }
  }

  /** Cuts the open stream, as a dropped network path would (the follower reconnects). */
  cut(): void {
    this.current?.close();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.close();
    await this.loop;
  }
}
