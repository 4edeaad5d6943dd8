BEGIN;
SELECT plan(9);
SELECT eventlog_test.reset();
DELETE FROM eventlog.snapshots;

SELECT eventlog.append_to_stream('cart-2', '[{"type": "a", "payload": {}}, {"type": "a", "payload": {}}]');

SELECT throws_ok($$SELECT eventlog.save_snapshot('cart-404', 1, '{}')$$,
  'EL022', 'stream ''cart-404'' does not exist', 'a stream without events');
SELECT throws_ok($$SELECT eventlog.save_snapshot('cart-2', 3, '{}')$$,
  'EL023', 'stream ''cart-2'' has no version 3: it is at version 2', 'a version the stream has not reached');
SELECT throws_ok($$SELECT eventlog.save_snapshot('cart-2', 0, '{}')$$,
  '22023', 'version must be 1 or more, got 0', 'version 0');
SELECT throws_ok($$SELECT eventlog.save_snapshot('cart-2', -1, '{}')$$,
  '22023', 'version must be 1 or more, got -1', 'a negative version');
SELECT throws_ok($$SELECT eventlog.save_snapshot('cart-2', NULL, '{}')$$,
  '22004', 'version must not be NULL', 'NULL version');
SELECT throws_ok($$SELECT eventlog.save_snapshot('cart-2', 1, NULL)$$,
  '22004', 'state must not be NULL', 'NULL state');
SELECT throws_ok($$SELECT eventlog.save_snapshot('cart-2', 1, '[1, 2]')$$,
  '22023', 'state ''[1, 2]'' is a JSON array, not an object', 'a state that is not an object');
SELECT throws_ok($$SELECT eventlog.save_snapshot(NULL, 1, '{}')$$,
  '22004', 'stream must not be NULL', 'NULL stream');
SELECT throws_ok($$SELECT eventlog.save_snapshot('', 1, '{}')$$,
  '22023', 'stream must not be empty', 'empty stream');

SELECT * FROM finish();
ROLLBACK;
