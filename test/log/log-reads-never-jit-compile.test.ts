// The log's reads never compile their statements with JIT (migration 0056): a generic plan over
// many partitions is estimated past jit_above_cost although it reads a few pages, and JIT then
// cost 18 ms of a 0.7 ms tail read (docs/benchmarks.md, "The partitioned log at scale"). Here
// every cost threshold of JIT is 0, so without the functions' own `jit = off` every statement
// they run would be compiled; auto_explain reports each nested statement's plan as a notice
// (JSON), and none of the statements inside the reads that read the log (or a stream's row, or
// its snapshots) may carry a "JIT" section; small look-ups of a cursor row or the caller's role
// are left to the server's setting, their cost does not grow with the log. The control:
// the caller's own statement, in the same session, is compiled (JIT is available and on).
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { explainingReader } from '../lib/plans.ts';

interface ExplainJson { 'Query Text': string; JIT?: { Functions: number } }
const readsTheLog = (p: ExplainJson) => /eventlog\.(events|streams|snapshots)\b/.test(p['Query Text']);
const parse = (notice: string): ExplainJson | undefined => {
  const at = notice.indexOf('{');
  return at < 0 ? undefined : JSON.parse(notice.slice(at)) as ExplainJson;
};

t.test('no statement inside a read of the log, a stream or a table\'s changes is JIT-compiled', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query(`SELECT count(*) FROM eventlog.log_event((SELECT jsonb_agg(jsonb_build_object('n', g)) FROM generate_series(1, 20) AS g))`);
  await db.query(`SELECT count(*) FROM eventlog.append_to_stream('order-1', '[{"type": "created", "payload": {"n": 1}}, {"type": "paid", "payload": {"n": 2}}]')`);
  await db.query(`SELECT eventlog.save_snapshot('order-1', 1, '{"state": "created"}')`);
  await db.query('CREATE TABLE public.accounts (id integer PRIMARY KEY, balance integer NOT NULL)');
  await db.query(`SELECT eventlog.track_table('public.accounts')`);
  await db.query('INSERT INTO public.accounts SELECT g, g * 10 FROM generate_series(1, 5) AS g');

  const { reader, plans } = await explainingReader(db);
  await reader.query('SET auto_explain.log_format = json');
  await reader.query('SET jit = on');
  await reader.query('SET jit_above_cost = 0');
  await reader.query('SET jit_inline_above_cost = 0');
  await reader.query('SET jit_optimize_above_cost = 0');

  const firstEtag = (await db.query<{ etag: string }>('SELECT min(etag)::text AS etag FROM eventlog.events'))[0].etag;
  const calls = [
    'SELECT * FROM eventlog.get_event(0::bigint, 10)',
    `SELECT * FROM eventlog.get_event('jit-reader', 10)`,
    `SELECT * FROM eventlog.peek_event('jit-peeker', 10)`,
    `SELECT eventlog.ack_event('jit-peeker', ${firstEtag})`,
    'SELECT eventlog.log_end()',
    'SELECT eventlog.wait_for_log_end(0, 10, 1)',
    'SELECT * FROM eventlog.clients',
    `SELECT * FROM eventlog.read_stream('order-1')`,
    `SELECT eventlog.stream_version('order-1')`,
    `SELECT * FROM eventlog.load_stream('order-1')`,
    `SELECT * FROM eventlog.get_changes('public.accounts', 0, 10)`,
    `SELECT * FROM eventlog.get_changes('public.accounts', 'jit-changes', 10)`,
    `SELECT * FROM eventlog.peek_changes('public.accounts', 'jit-change-peeker', 10)`,
  ];
  for (const sql of calls) {
    plans.length = 0;
    await reader.query(sql);
    const reported = plans.map(parse).filter((p): p is ExplainJson => !!p);
    const own = reported.find((p) => p['Query Text'] === sql);
    const inside = reported.filter((p) => p['Query Text'] !== sql && readsTheLog(p));
    t.ok(own?.JIT, `${sql}: the caller's statement itself is JIT-compiled (the control)`);
    t.ok(inside.length > 0, `${sql}: auto_explain reported the ${inside.length} statements it ran inside that read the log`);
    const compiled = inside.filter((p) => p.JIT).map((p) => p['Query Text'].replace(/\s+/g, ' ').trim().slice(0, 120));
    t.same(compiled, [], `${sql}: none of them was JIT-compiled`);
  }
  // ack_changes takes an etag peek_changes handed out.
  const [{ etag: changeEtag }] = (await reader.query<{ etag: string }>(
    `SELECT max(etag)::text AS etag FROM eventlog.peek_changes('public.accounts', 'jit-change-acker', 10)`)).rows;
  const ack = `SELECT eventlog.ack_changes('public.accounts', 'jit-change-acker', ${changeEtag})`;
  plans.length = 0;
  await reader.query(ack);
  const inside = plans.map(parse).filter((p): p is ExplainJson => !!p && p['Query Text'] !== ack && readsTheLog(p));
  t.ok(inside.length > 0, `${ack}: auto_explain reported the statements it ran inside that read the log`);
  t.same(inside.filter((p) => p.JIT).length, 0, `${ack}: none of them was JIT-compiled`);
});
