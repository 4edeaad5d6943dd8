// Shared by the crash tests: connections that survive their server going away, the ledger of a
// writer's transactions (what was acknowledged, what was in flight at the crash), and the checks
// of that ledger against the log after the restart.
import pg from 'pg';

/** The error a client gets when the server goes away under it (and nothing else). */
export const isConnectionLoss = (err: unknown): boolean => {
  const e = err as { code?: string; message?: string };
  return /^(57P0[123]|08...|ECONNRESET|ECONNREFUSED|EPIPE)$/.test(e.code ?? '')
    || /Connection terminated|server closed the connection|connection error|not queryable|ECONNRE|EPIPE/i.test(e.message ?? '');
};

/** A client whose connection errors surface as failed queries (never as an unhandled 'error'). */
export async function connect(url: string, setup: string[] = []): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, statement_timeout: 30_000 });
  c.on('error', () => {});
  await c.connect();
  for (const s of setup) await c.query(s);
  return c;
}

/**
 * One append transaction of a writer. `unsent`: COMMIT was never sent (or the call never ran);
 * `inflight`: COMMIT (or the autocommit call) was sent and no reply came; `acked`: the reply came;
 * `failed`: refused or lost before COMMIT, rolled back.
 */
export type TxState = 'unsent' | 'inflight' | 'acked' | 'failed';
export interface AppendTx<P extends string = string> {
  writer: number;
  path: P;
  /** The unique ids of its events (payload->>'id'), in the order appended. */
  ids: string[];
  state: TxState;
}

/** Minimal tap surface the checks need. */
interface Asserts {
  same(found: unknown, wanted: unknown, message: string): unknown;
}

/**
 * The ledger's promises against `present` (the ids found in the log after the restart): every
 * acknowledged append is there, each in-flight one is whole or absent, none that never reached
 * COMMIT is there. Returns the acknowledged and in-flight transactions, for the record.
 */
export function checkAppends<T extends AppendTx>(t: Asserts, txs: T[], present: { has(id: string): boolean }) {
  const acked = txs.filter((x) => x.state === 'acked');
  const missing = acked.flatMap((x) => x.ids.filter((id) => !present.has(id)));
  t.same(missing, [], `every one of ${acked.length} acknowledged appends (${acked.reduce((s, x) => s + x.ids.length, 0)} events) is in the log`);
  const inflight = txs.filter((x) => x.state === 'inflight');
  const half = inflight.filter((x) => { const n = x.ids.filter((id) => present.has(id)).length; return n !== 0 && n !== x.ids.length; });
  t.same(half.map((x) => x.ids), [], `each of ${inflight.length} appends in flight at the crash is in the log whole or not at all`);
  const neverCommitted = txs.filter((x) => x.state === 'unsent' || x.state === 'failed').flatMap((x) => x.ids.filter((id) => present.has(id)));
  t.same(neverCommitted, [], 'no append that never reached COMMIT is in the log');
  return { acked, inflight, inflightCommitted: inflight.filter((x) => x.ids.every((id) => present.has(id))) };
}
