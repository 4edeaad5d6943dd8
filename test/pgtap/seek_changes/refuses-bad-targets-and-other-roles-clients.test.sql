BEGIN;
SELECT plan(11);
SELECT eventlog_test.reset();
DELETE FROM eventlog.change_cursors;

SELECT eventlog_test.change_client_fixture();

CREATE ROLE eventlog_test_alice;
CREATE ROLE eventlog_test_bob;
GRANT eventlog_reader TO eventlog_test_alice, eventlog_test_bob;
GRANT USAGE ON SCHEMA capture_test TO eventlog_test_alice, eventlog_test_bob;
SELECT eventlog_test.etags_as('eventlog_test_alice', $$SELECT * FROM eventlog.peek_changes('capture_test.items', 'alice-mirror')$$);

SELECT throws_ok($$SELECT eventlog.seek_changes('capture_test.items', 'm', NULL::text)$$, '22004', 'target must not be NULL', 'a NULL target');
SELECT throws_ok($$SELECT eventlog.seek_changes('capture_test.items', 'm', NULL::bigint)$$, '22004', 'etag must not be NULL', 'a NULL etag');
SELECT throws_ok($$SELECT eventlog.seek_changes('capture_test.items', 'm', 'soon')$$, '22023',
  'seek target ''soon'' is not ''beginning'', ''end'', an etag or a timestamp', 'a target that is none of those');
SELECT throws_ok($$SELECT eventlog.seek_changes('capture_test.items', 'm', '99999999999999999999')$$, '22023',
  'seek target ''99999999999999999999'' is out of range: etags lie between 0 and 9223372036854775807', 'a number past bigint');
SELECT throws_ok(
  format('SELECT eventlog_test.run_as(%L, %L)', 'eventlog_test_bob', 'SELECT eventlog.seek_changes(''capture_test.items'', ''alice-mirror'', now())'),
  '42501', 'client ''alice-mirror'' belongs to role eventlog_test_alice, not to eventlog_test_bob',
  'another role''s client, by time');
SELECT throws_ok($$SELECT eventlog.seek_changes('capture_test.items', 'm', -1)$$, '22023', 'etag must not be negative, got -1', 'a negative etag');
SELECT throws_ok(format('SELECT eventlog.seek_changes(%L, %L, %s)', 'capture_test.items', 'm', (SELECT max(etag) FROM eventlog.events) + 1000),
  'EL001', format('etag %s is not in the log', (SELECT max(etag) FROM eventlog.events) + 1000), 'an etag the log never returned');
SELECT throws_ok($$SELECT eventlog.seek_changes('capture_test.items', NULL, 0)$$, '22004', 'client must not be NULL', 'a NULL client');
SELECT throws_ok($$SELECT eventlog.seek_changes('capture_test.items', '42', 0)$$, '22023', 'client name ''42'' reads as an etag', 'a client name that reads as a number');
SELECT throws_ok($$SELECT eventlog.seek_changes('capture_test.untracked', 'm', 0)$$, 'EL042',
  'table capture_test.untracked is not tracked', 'a table that is not tracked');
SELECT throws_ok(
  format('SELECT eventlog_test.run_as(%L, %L)', 'eventlog_test_bob', 'SELECT eventlog.seek_changes(''capture_test.items'', ''alice-mirror'', ''end'')'),
  '42501', 'client ''alice-mirror'' belongs to role eventlog_test_alice, not to eventlog_test_bob',
  'another role''s client');

SELECT * FROM finish();
ROLLBACK;
