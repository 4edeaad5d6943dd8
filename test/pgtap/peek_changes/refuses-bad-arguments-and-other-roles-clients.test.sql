BEGIN;
SELECT plan(9);
SELECT eventlog_test.reset();
DELETE FROM eventlog.change_cursors;

SELECT eventlog_test.change_client_fixture();

CREATE ROLE eventlog_test_alice;
CREATE ROLE eventlog_test_bob;
GRANT eventlog_reader TO eventlog_test_alice, eventlog_test_bob;
GRANT USAGE ON SCHEMA capture_test TO eventlog_test_alice, eventlog_test_bob;
SELECT eventlog_test.etags_as('eventlog_test_alice', $$SELECT * FROM eventlog.peek_changes('capture_test.items', 'alice-mirror')$$);

SELECT throws_ok($$SELECT * FROM eventlog.peek_changes('capture_test.items', 'm', 0)$$, '22023',
  'max_rows must be between 1 and 10000, got 0', 'max_rows 0');
SELECT throws_ok($$SELECT * FROM eventlog.peek_changes('capture_test.items', 'm', NULL)$$, '22023',
  'max_rows must be between 1 and 10000, got NULL', 'max_rows NULL');
SELECT throws_ok($$SELECT * FROM eventlog.peek_changes('capture_test.items', NULL)$$, '22004',
  'client must not be NULL', 'a NULL client');
SELECT throws_ok($$SELECT * FROM eventlog.peek_changes(NULL, 'm')$$, '22004', 'tbl must not be NULL', 'a NULL table');
SELECT throws_ok($$SELECT * FROM eventlog.peek_changes('capture_test.untracked', 'm')$$, 'EL042',
  'table capture_test.untracked is not tracked', 'a table that is not tracked');
SELECT throws_ok($$SELECT * FROM eventlog.peek_changes('capture_test.items', '')$$, '22023',
  'client must not be empty', 'an empty client name');
SELECT throws_ok($$SELECT * FROM eventlog.peek_changes('capture_test.items', '1005')$$, '22023',
  'client name ''1005'' reads as an etag', 'a client name that reads as a number');
SELECT throws_ok(
  format('SELECT eventlog_test.etags_as(%L, %L)', 'eventlog_test_bob', 'SELECT * FROM eventlog.peek_changes(''capture_test.items'', ''alice-mirror'')'),
  '42501', 'client ''alice-mirror'' belongs to role eventlog_test_alice, not to eventlog_test_bob',
  'another role''s client');
SELECT is(eventlog_test.etags_as('eventlog_test_bob', $$SELECT * FROM eventlog.peek_changes('capture_test.items', 'bob-mirror', 1)$$),
  ARRAY[pg_temp.etag('a')], 'a reader-only role peeks on a client of its own');

SELECT * FROM finish();
ROLLBACK;
