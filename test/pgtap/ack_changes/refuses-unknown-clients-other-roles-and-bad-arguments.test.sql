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

SELECT throws_ok(format('SELECT eventlog.ack_changes(%L, %L, %s)', 'capture_test.items', 'nobody', pg_temp.etag('a')),
  '42704', 'change client ''nobody'' of table capture_test.items does not exist', 'an unknown client: ack does not create clients');
SELECT throws_ok(format('SELECT eventlog.ack_changes(%L, %L, %s)', 'capture_test.other', 'alice-mirror', pg_temp.etag('b')),
  '42704', 'change client ''alice-mirror'' of table capture_test.other does not exist', 'a client of another table is another client');
SELECT throws_ok($$SELECT eventlog.ack_changes('capture_test.items', 'alice-mirror', NULL)$$, '22004', 'etag must not be NULL', 'a NULL etag');
SELECT throws_ok($$SELECT eventlog.ack_changes('capture_test.items', 'alice-mirror', 0)$$, '22023', 'etag must be positive, got 0', 'etag 0');
SELECT throws_ok($$SELECT eventlog.ack_changes('capture_test.items', NULL, 1)$$, '22004', 'client must not be NULL', 'a NULL client');
SELECT throws_ok($$SELECT eventlog.ack_changes('capture_test.items', '', 1)$$, '22023', 'client must not be empty', 'an empty client name');
SELECT throws_ok($$SELECT eventlog.ack_changes(NULL, 'alice-mirror', 1)$$, '22004', 'tbl must not be NULL', 'a NULL table');
SELECT throws_ok($$SELECT eventlog.ack_changes('capture_test.untracked', 'alice-mirror', 1)$$, 'EL042',
  'table capture_test.untracked is not tracked', 'a table that is not tracked');
SELECT throws_ok(
  format('SELECT eventlog_test.run_as(%L, %L)', 'eventlog_test_bob',
         format('SELECT eventlog.ack_changes(%L, %L, %s)', 'capture_test.items', 'alice-mirror', pg_temp.etag('a'))),
  '42501', 'client ''alice-mirror'' belongs to role eventlog_test_alice, not to eventlog_test_bob',
  'another role''s client');

SELECT * FROM finish();
ROLLBACK;
