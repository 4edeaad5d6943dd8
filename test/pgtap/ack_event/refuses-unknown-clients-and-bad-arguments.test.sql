BEGIN;
SELECT plan(9);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE ROLE eventlog_test_alice;
CREATE ROLE eventlog_test_bob;
GRANT eventlog_reader TO eventlog_test_alice, eventlog_test_bob;
CREATE TEMP TABLE committed AS SELECT etag FROM eventlog_test.append_committed(10, '[{"n": 1}]') AS etag;
SELECT eventlog_test.etags_as('eventlog_test_alice', $$SELECT * FROM eventlog.peek_event('alice-feed')$$);

SELECT throws_ok(
  format('SELECT eventlog.ack_event(%L, %s)', 'nobody', (SELECT etag FROM committed)),
  '42704', 'client ''nobody'' does not exist', 'an unknown client: ack does not create clients'
);
SELECT throws_ok(
  format('SELECT eventlog.ack_event(%L, %s, 0, 2)', 'alice-feed', (SELECT etag FROM committed)),
  '42704', 'client ''alice-feed'' has no cursor for members = 2', 'a group size the client does not have'
);
SELECT throws_ok($$SELECT eventlog.ack_event('alice-feed', NULL)$$, '22004', 'etag must not be NULL', 'a NULL etag');
SELECT throws_ok($$SELECT eventlog.ack_event('alice-feed', 0)$$, '22023', 'etag must be positive, got 0', 'etag 0');
SELECT throws_ok($$SELECT eventlog.ack_event('alice-feed', -3)$$, '22023', 'etag must be positive, got -3', 'a negative etag');
SELECT throws_ok($$SELECT eventlog.ack_event('', 1)$$, '22023', 'client must not be empty', 'an empty name');
SELECT throws_ok($$SELECT eventlog.ack_event('alice-feed', 1, 0, NULL)$$, '22004', 'members must not be NULL', 'NULL members');
SELECT eventlog_test.etags_as('eventlog_test_bob', $$SELECT * FROM eventlog.peek_event('bob-feed')$$);
SELECT is(
  eventlog_test.etags_as('eventlog_test_bob',
    format('SELECT 1::bigint AS etag FROM eventlog.ack_event(%L, %s)', 'bob-feed', (SELECT etag FROM committed))),
  ARRAY[1::bigint],
  'a reader-only role may acknowledge on a client of its own'
);
SELECT throws_ok(
  format('SELECT eventlog_test.etags_as(%L, %L)', 'eventlog_test_bob',
         format('SELECT 1::bigint AS etag FROM eventlog.ack_event(%L, %s)', 'alice-feed', (SELECT etag FROM committed))),
  '42501', 'client ''alice-feed'' belongs to role eventlog_test_alice, not to eventlog_test_bob',
  'but not on another role''s client'
);

SELECT * FROM finish();
ROLLBACK;
