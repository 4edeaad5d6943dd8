// A stream's events in log order should carry increasing versions: docs/cursors.md promises that
// a consumer-group member "sees every stream it owns in stream order". They do not when a
// transaction got its position (its transaction id, at its first write) before another one that
// appended to the same stream and committed first: the earlier-positioned transaction then takes
// the next version, and log order shows version 2 before version 1.
//
// Known defect, reported (see the append-tests report), so the order assertion is marked todo:
// the test runs and shows the inversion without failing the suite; drop the todo with the fix. Whatever the fix (for example refusing the
// late append with 40001 so that a retry gets a later position), this test accepts it: a writer
// refused with 40001 retries its whole transaction.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';

t.test('a stream\'s versions increase in log order', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const writer = await loginRole(t, db.url, ['eventlog_writer']);
  const [a, b] = [await writer.connect(), await writer.connect()];

  for (let attempt = 1; ; attempt++) {
    try {
      // A takes its position with an event of no stream, then B appends to s and commits, then A.
      await a.query('BEGIN');
      await a.query(`INSERT INTO eventlog.events (payload) VALUES ($1)`, [JSON.stringify({ by: 'a', attempt, first: true })]);
      if (attempt === 1) await b.query(`INSERT INTO eventlog.events (stream, payload) VALUES ('s', '{"by": "b"}')`);
      await a.query(`INSERT INTO eventlog.events (stream, payload) VALUES ('s', $1)`, [JSON.stringify({ by: 'a', attempt })]);
      await a.query('COMMIT');
      break;
    } catch (err) {
      await a.query('ROLLBACK');
      if ((err as pg.DatabaseError).code !== '40001' || attempt >= 3) throw err;
    }
  }

  const log = await db.query<{ stream: string | null; version: number | null; payload: { by: string } }>(
    'SELECT stream, version, payload FROM eventlog.get_event(0, 100)');
  const s = log.filter((r) => r.stream === 's');
  t.same(s.map((r) => r.payload.by).sort(), ['a', 'b'], 'both appends to s are in the log');
  t.same(s.map((r) => r.version), [1, 2], 'in log order, s has version 1, then version 2',
    { todo: 'defect: a transaction\'s position is fixed at its first write, before it takes the stream\'s next version; see the append-tests report' });
});
