BEGIN;
SELECT plan(7);
SELECT eventlog_test.reset();
DELETE FROM eventlog.change_cursors;

SELECT eventlog_test.change_client_fixture();
CREATE ROLE eventlog_test_alice;
CREATE ROLE eventlog_test_bob;
CREATE ROLE eventlog_test_operator;
GRANT eventlog_reader TO eventlog_test_alice, eventlog_test_bob;
GRANT eventlog_admin TO eventlog_test_operator;
GRANT USAGE ON SCHEMA capture_test TO eventlog_test_alice, eventlog_test_bob, eventlog_test_operator;
SELECT eventlog_test.etags_as('eventlog_test_alice', $$SELECT * FROM eventlog.peek_changes('capture_test.items', 'alice-mirror')$$);

SELECT throws_ok($$SELECT eventlog.drop_change_client('capture_test.items', 'nobody')$$, '42704',
  'change client ''nobody'' of table capture_test.items does not exist', 'an unknown client');
SELECT throws_ok($$SELECT eventlog.drop_change_client('capture_test.other', 'alice-mirror')$$, '42704',
  'change client ''alice-mirror'' of table capture_test.other does not exist', 'a client of another table');
SELECT throws_ok($$SELECT eventlog.drop_change_client(NULL, 'alice-mirror')$$, '22004', 'tbl must not be NULL', 'a NULL table');
SELECT throws_ok($$SELECT eventlog.drop_change_client('capture_test.items', NULL)$$, '22004', 'client must not be NULL', 'a NULL client');
SELECT throws_ok($$SELECT eventlog.drop_change_client('capture_test.items', '')$$, '22023', NULL, 'an empty name');
SELECT throws_ok(
  format('SELECT eventlog_test.run_as(%L, %L)', 'eventlog_test_bob', 'SELECT eventlog.drop_change_client(''capture_test.items'', ''alice-mirror'')'),
  '42501', 'client ''alice-mirror'' belongs to role eventlog_test_alice, not to eventlog_test_bob',
  'another role''s client, and nothing is dropped');
SELECT eventlog_test.run_as('eventlog_test_operator', 'SELECT eventlog.drop_change_client(''capture_test.items'', ''alice-mirror'')');
SELECT is((SELECT count(*) FROM eventlog.change_cursors), 0::bigint, 'a member of eventlog_admin may drop any change client');

SELECT * FROM finish();
ROLLBACK;
