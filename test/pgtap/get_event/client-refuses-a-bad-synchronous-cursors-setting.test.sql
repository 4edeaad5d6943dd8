BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();
SELECT eventlog_test.append_committed(10, '[{"n": 1}]');

SET LOCAL eventlog.synchronous_cursors = sometimes;
SELECT throws_ok(
  $$SELECT eventlog.get_event('billing', 1)$$,
  '22023',
  'eventlog.synchronous_cursors must be auto, on or off, got ''sometimes''',
  'an unknown mode is refused before the cursor moves'
);
SET LOCAL eventlog.synchronous_cursors = ON;
SELECT is((SELECT count(*) FROM eventlog.get_event('billing', 1)), 1::bigint, 'on (any case) is accepted');
SET LOCAL eventlog.synchronous_cursors = '';
SELECT is((SELECT count(*) FROM eventlog.get_event('billing', 1)), 0::bigint, 'empty means the default (auto)');

SELECT * FROM finish();
ROLLBACK;
