BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();
DELETE FROM eventlog.snapshots;

SELECT eventlog.append_to_stream('cart-3', '[{"type": "a", "payload": {}}, {"type": "a", "payload": {}}, {"type": "a", "payload": {}}]');
SELECT is((SELECT count(*) FROM eventlog.load_snapshot('cart-3')), 0::bigint, 'no row for a stream without snapshots');
SELECT eventlog.save_snapshot('cart-3', 3, '{"n": 3}');
SELECT eventlog.save_snapshot('cart-3', 2, '{"n": 2}');
SELECT results_eq(
  $$SELECT stream, version, state FROM eventlog.load_snapshot('cart-3')$$,
  $$VALUES ('cart-3', 3, '{"n": 3}'::jsonb)$$,
  'the snapshot of the highest version, whatever the order they were saved in'
);
SELECT throws_ok($$SELECT eventlog.load_snapshot(NULL)$$, '22004', 'stream must not be NULL', 'NULL stream');
SELECT throws_ok($$SELECT eventlog.load_snapshot(E'x\ty')$$, '22023', 'stream ''x\ty'' contains a control character', 'a stream with a control character');

SELECT * FROM finish();
ROLLBACK;
