// The plans PL/pgSQL runs inside get_event, as auto_explain reports them (LOAD needs a superuser,
// as the test cluster's owner is): a reader session whose every nested statement's plan arrives
// as a notice, and the batch query's plans among them.
import type pg from 'pg';
import type { TestDatabase } from './db.ts';

export async function explainingReader(db: TestDatabase): Promise<{ reader: pg.Client; plans: string[] }> {
  const reader = await db.connect();
  const plans: string[] = [];
  reader.on('notice', (n) => plans.push(n.message ?? ''));
  await reader.query(`LOAD 'auto_explain'`);
  await reader.query('SET auto_explain.log_min_duration = 0');
  await reader.query('SET auto_explain.log_nested_statements = on');
  await reader.query('SET auto_explain.log_level = notice');
  await reader.query('SET client_min_messages = notice');
  return { reader, plans };
}

/** Reads `calls` full batches of get_event(after, batch) from `after` on, asserting each is full. */
export async function readFullBatches(t: { equal(found: unknown, wanted: unknown, message: string): unknown }, reader: pg.Client, after: number, batch: number, calls: number): Promise<void> {
  for (let i = 0; i < calls; i++) {
    const rows = (await reader.query<{ etag: string }>(`SELECT etag FROM eventlog.get_event($1::bigint, ${batch})`, [after])).rows;
    t.equal(rows.length, batch, `call ${i + 1} returns a full batch`);
    after = Number(rows[rows.length - 1].etag);
  }
}

/** The plans of get_event's batch query among those auto_explain reported. */
export const batchPlans = (plans: string[]) =>
  plans.filter((p) => /FROM eventlog\.events AS e/.test(p) && /ORDER BY e\.tx_order, e\.etag/.test(p));
