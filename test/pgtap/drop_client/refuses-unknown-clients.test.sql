BEGIN;
SELECT plan(7);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE ROLE eventlog_test_alice;
CREATE ROLE eventlog_test_bob;
GRANT eventlog_reader TO eventlog_test_alice, eventlog_test_bob;
SELECT eventlog_test.etags_as('eventlog_test_alice', $$SELECT * FROM eventlog.get_event('alice-feed')$$);

SELECT throws_ok($$SELECT eventlog.drop_client('nobody')$$, '42704', 'client ''nobody'' does not exist', 'an unknown client');
SELECT throws_ok($$SELECT eventlog.drop_client('alice-feed', 2)$$, '42704', 'client ''alice-feed'' has no cursor for members = 2', 'a group size it does not have');
SELECT throws_ok($$SELECT eventlog.drop_client('alice-feed', 0)$$, '22023', 'members must be between 1 and 1024, got 0', 'a bad group size');
SELECT throws_ok($$SELECT eventlog.drop_client(NULL)$$, '22004', 'client must not be NULL', 'a NULL name');
SELECT throws_ok($$SELECT eventlog.drop_client(E'a\tb')$$, '22023', NULL, 'a name with a control character');
SELECT eventlog_test.etags_as('eventlog_test_bob', $$SELECT * FROM eventlog.get_event('bob-feed')$$);
SELECT is(
  eventlog_test.etags_as('eventlog_test_bob', $$SELECT 1::bigint AS etag FROM eventlog.drop_client('bob-feed')$$),
  ARRAY[1::bigint],
  'a reader-only role may drop a client of its own'
);
SELECT throws_ok(
  $$SELECT eventlog_test.etags_as('eventlog_test_bob', 'SELECT 1::bigint AS etag FROM eventlog.drop_client(''alice-feed'')')$$,
  '42501', 'client ''alice-feed'' belongs to role eventlog_test_alice, not to eventlog_test_bob',
  'but not another role''s client'
);

SELECT * FROM finish();
ROLLBACK;
