BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();
DELETE FROM eventlog.snapshots;

SELECT eventlog.append_to_stream('cart-1', '[{"type": "a", "payload": {}}, {"type": "a", "payload": {}}, {"type": "a", "payload": {}},
                                          {"type": "a", "payload": {}}, {"type": "a", "payload": {}}]');
SELECT results_eq(
  $$SELECT stream, version, state FROM eventlog.save_snapshot('cart-1', 1, '{"n": 1}')$$,
  $$VALUES ('cart-1', 1, '{"n": 1}'::jsonb)$$,
  'save_snapshot returns the saved snapshot'
);
SELECT eventlog.save_snapshot('cart-1', 3, '{"n": 3}');
SELECT eventlog.save_snapshot('cart-1', 2, '{"n": 2}');
SELECT eventlog.save_snapshot('cart-1', 4, '{"n": 4}');
SELECT results_eq(
  $$SELECT version FROM eventlog.snapshots WHERE stream = 'cart-1' ORDER BY version$$,
  ARRAY[2, 3, 4],
  'a newer snapshot supersedes older ones: the three newest versions stay'
);
SELECT eventlog.save_snapshot('cart-1', 4, '{"n": 44}');
SELECT results_eq(
  $$SELECT version, state FROM eventlog.snapshots WHERE stream = 'cart-1' ORDER BY version$$,
  $$VALUES (2, '{"n": 2}'::jsonb), (3, '{"n": 3}'), (4, '{"n": 44}')$$,
  'saving a version again replaces its state'
);
SELECT eventlog.save_snapshot('cart-1', 5, '{"n": 5}');
SELECT results_eq(
  $$SELECT version FROM eventlog.snapshots WHERE stream = 'cart-1' ORDER BY version$$,
  ARRAY[3, 4, 5],
  'the oldest of the three goes when a newer one comes'
);

SELECT * FROM finish();
ROLLBACK;
