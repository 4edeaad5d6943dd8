// Smoke test of make bench-variants: a tiny run prints every step from the bare INSERT to
// log_event with its ratio, and the CPU per event where it can measure it, then the INSERT path
// with each variant of its append check trigger.
import t from 'tap';
import { run, testCluster } from '../lib/db.ts';

t.test('bench-variants with tiny sizes prints every variant', async (t) => {
  const r = await run(process.execPath, ['--import', 'tsx', 'scripts/bench-variants.ts', '--clients', '2', '--rounds', '1', '--duration', '1'],
    { ...process.env, ...(await testCluster()).env });
  t.equal(r.code, 0, 'exits 0');
  if (r.code !== 0) t.comment(r.stderr.slice(-2000));
  const variants = ['bare INSERT (ceiling)', '+ (tx_order, etag) index', 'PL/pgSQL around the bare INSERT, void', '… returning the row',
    '… into eventlog.events, SECURITY DEFINER', '… with SET search_path', 'log_event',
    'INSERT into eventlog.events, check trigger as shipped', '… trigger floor: sets tx_order and etag only (unsafe)',
    '… check trigger in one expression plus the etag',
    'ordered storage, partitioned like the log, defaults (no checks)', '… checks in domains, no row trigger',
    'INSERT into eventlog.events with a stream (one per client)', 'append_to_stream, any version (one stream per client)'];
  for (const name of variants) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    t.match(r.stdout, new RegExp(`^${escaped}\\s+[\\d,]+\\s+\\d+\\.\\d\\dx\\s+(\\d+|n/a)`, 'm'), `${name}: events/s, ratio, CPU per event`);
  }
  t.match(r.stdout, /^bare INSERT \(ceiling\)\s+[\d,]+\s+1\.00x/m, 'the bare INSERT is the baseline');
});

t.test('bench-variants with several events per transaction runs only the INSERT variants, one multi-row INSERT each', async (t) => {
  const r = await run(process.execPath, ['--import', 'tsx', 'scripts/bench-variants.ts', '--clients', '2', '--rounds', '1', '--duration', '1',
    '--events-per-tx', '3', '--only', 'shipped,domains'],
  { ...process.env, ...(await testCluster()).env });
  t.equal(r.code, 0, 'exits 0');
  if (r.code !== 0) t.comment(r.stderr.slice(-2000));
  t.match(r.stdout, /3 event\(s\) per transaction/, 'says how many events a transaction has');
  for (const name of ['bare INSERT \\(ceiling\\)', 'INSERT into eventlog.events, check trigger as shipped', '… checks in domains, no row trigger']) {
    t.match(r.stdout, new RegExp(`^${name}\\s+[\\d,]+\\s+\\d+\\.\\d\\dx`, 'm'), `${name} ran`);
  }
  t.notMatch(r.stdout, /log_event/, 'the function variants are left out');
});
