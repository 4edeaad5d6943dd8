BEGIN;
SELECT plan(8);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE ROLE eventlog_test_alice;
CREATE ROLE eventlog_test_bob;
GRANT eventlog_reader TO eventlog_test_alice, eventlog_test_bob;
SELECT eventlog_test.etags_as('eventlog_test_alice', $$SELECT * FROM eventlog.peek_event('alice-feed')$$);

SELECT throws_ok($$SELECT eventlog.peek_event('billing', 0)$$, '22023', 'max_rows must be between 1 and 10000, got 0', 'max_rows 0');
SELECT throws_ok($$SELECT eventlog.peek_event('billing', 10001)$$, '22023', 'max_rows must be between 1 and 10000, got 10001', 'max_rows too large');
SELECT throws_ok($$SELECT eventlog.peek_event('billing', NULL)$$, '22023', 'max_rows must be between 1 and 10000, got NULL', 'NULL max_rows');
SELECT throws_ok($$SELECT eventlog.peek_event(NULL, 1)$$, '22004', 'client must not be NULL', 'a NULL name');
SELECT throws_ok($$SELECT eventlog.peek_event('', 1)$$, '22023', 'client must not be empty', 'an empty name');
SELECT throws_ok($$SELECT eventlog.peek_event('42', 1)$$, '22023', 'client name ''42'' reads as an etag', 'a name that reads as an etag');
SELECT throws_ok($$SELECT eventlog.peek_event('billing', 1, 3, 3)$$, '22023', 'member must be between 0 and 2 for a group of 3 members, got 3', 'member out of range');
SELECT throws_ok(
  $$SELECT eventlog_test.etags_as('eventlog_test_bob', 'SELECT * FROM eventlog.peek_event(''alice-feed'')')$$,
  '42501', 'client ''alice-feed'' belongs to role eventlog_test_alice, not to eventlog_test_bob',
  'another role''s client'
);

SELECT * FROM finish();
ROLLBACK;
