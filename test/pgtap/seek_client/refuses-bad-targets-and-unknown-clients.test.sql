BEGIN;
SELECT plan(11);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE ROLE eventlog_test_alice;
CREATE ROLE eventlog_test_bob;
GRANT eventlog_reader TO eventlog_test_alice, eventlog_test_bob;
SELECT eventlog_test.append_committed(10, '[{"n": 1}]');
SELECT eventlog_test.etags_as('eventlog_test_alice', $$SELECT * FROM eventlog.get_event('alice-feed')$$);

SELECT throws_ok($$SELECT eventlog.seek_client('nobody', 'end')$$, '42704', 'client ''nobody'' does not exist', 'an unknown client: seek does not create clients');
SELECT throws_ok($$SELECT eventlog.seek_client('alice-feed', 'middle')$$, '22023',
  'seek target ''middle'' is not ''beginning'', ''end'', an etag or a timestamp', 'an unknown keyword');
SELECT throws_ok($$SELECT eventlog.seek_client('alice-feed', 987654321)$$, 'EL001', 'etag 987654321 is not in the log', 'an etag not in the log');
SELECT throws_ok($$SELECT eventlog.seek_client('alice-feed', '987654321')$$, 'EL001', 'etag 987654321 is not in the log', 'the same as text');
SELECT throws_ok($$SELECT eventlog.seek_client('alice-feed', -1)$$, '22023', 'etag must not be negative, got -1', 'a negative etag');
SELECT throws_ok($$SELECT eventlog.seek_client('alice-feed', NULL::bigint)$$, '22004', 'etag must not be NULL', 'a NULL etag');
SELECT throws_ok($$SELECT eventlog.seek_client('alice-feed', NULL::timestamptz)$$, '22004', 'at must not be NULL', 'a NULL time');
SELECT throws_ok($$SELECT eventlog.seek_client('alice-feed', NULL)$$, '22004', 'target must not be NULL', 'an untyped NULL');
SELECT throws_ok($$SELECT eventlog.seek_client('alice-feed', E'end\x7f')$$, '22023',
  E'seek target ''end\\x7F'' is not ''beginning'', ''end'', an etag or a timestamp', 'a target as typed, its control character escaped');
SELECT eventlog_test.etags_as('eventlog_test_bob', $$SELECT * FROM eventlog.get_event('bob-feed')$$);
SELECT is(
  eventlog_test.etags_as('eventlog_test_bob', $$SELECT eventlog.seek_client('bob-feed', 'beginning') AS etag$$),
  ARRAY[0::bigint],
  'a reader-only role may seek a client of its own'
);
SELECT throws_ok(
  $$SELECT eventlog_test.etags_as('eventlog_test_bob', 'SELECT eventlog.seek_client(''alice-feed'', ''end'') AS etag')$$,
  '42501', 'client ''alice-feed'' belongs to role eventlog_test_alice, not to eventlog_test_bob',
  'but not another role''s client'
);

SELECT * FROM finish();
ROLLBACK;
