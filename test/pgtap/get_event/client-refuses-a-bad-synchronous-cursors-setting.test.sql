BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();
SELECT eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}, {"n": 3}]');

SET LOCAL eventlog.synchronous_cursors = sometimes;
SELECT throws_ok(
  $$SELECT eventlog.get_event('billing', 1)$$,
  '22023',
  'eventlog.synchronous_cursors must be auto, on or off, got ''sometimes''',
  'an unknown mode is refused'
);
SET LOCAL eventlog.synchronous_cursors = E'o\nn';
SELECT throws_ok(
  $$SELECT eventlog.get_event('billing', 1)$$,
  '22023',
  E'eventlog.synchronous_cursors must be auto, on or off, got ''o\\nn''',
  'the value is shown with its control character escaped'
);
-- Quoted, so that the parser does not lowercase it. What each mode does is shown by
-- test/clients/cursor-commit-durability.test.ts; here: which spellings are refused.
SET LOCAL eventlog.synchronous_cursors = 'ON';
SELECT is((SELECT count(*) FROM eventlog.get_event('billing', 1)), 1::bigint, '''ON'' in capitals is not refused');
SET LOCAL eventlog.synchronous_cursors = ' Auto ';
SELECT is((SELECT count(*) FROM eventlog.get_event('billing', 1)), 1::bigint, ''' Auto '' (case and spaces) is not refused');
SET LOCAL eventlog.synchronous_cursors = '';
SELECT is((SELECT count(*) FROM eventlog.get_event('billing', 1)), 1::bigint, 'an empty value is not refused');

SELECT * FROM finish();
ROLLBACK;
