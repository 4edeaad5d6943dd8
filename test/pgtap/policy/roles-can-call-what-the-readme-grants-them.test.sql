-- The README's role promises, by calling the functions as roles that hold nothing but the one
-- role granted (catalog privileges alone would not show that the calls work).
BEGIN;
SELECT plan(9);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE ROLE eventlog_test_reader;
CREATE ROLE eventlog_test_operator;
CREATE ROLE eventlog_test_nobody;
GRANT eventlog_reader TO eventlog_test_reader;
GRANT eventlog_admin TO eventlog_test_operator;
CREATE TEMP TABLE committed AS
  SELECT etag FROM eventlog_test.append_committed_to(10, 'cart-1', '[{"n": 1}, {"n": 2}, {"n": 3}]') AS etag;
SELECT eventlog_test.etags_as('eventlog_test_reader', $$SELECT * FROM eventlog.peek_event('reader-feed', 2)$$);

SELECT is(
  eventlog_test.etags_as('eventlog_test_reader',
    format('SELECT 1::bigint AS etag FROM eventlog.ack_event(%L, %s)', 'reader-feed', (SELECT min(etag) FROM committed))),
  ARRAY[1::bigint],
  'a reader-only role can call ack_event'
);
SELECT is(
  eventlog_test.etags_as('eventlog_test_reader', $$SELECT eventlog.seek_client('reader-feed', 'beginning') AS etag$$),
  ARRAY[0::bigint],
  'a reader-only role can call seek_client'
);
SELECT is(
  eventlog_test.etags_as('eventlog_test_reader', $$SELECT 1::bigint AS etag FROM eventlog.drop_client('reader-feed')$$),
  ARRAY[1::bigint],
  'a reader-only role can call drop_client'
);
SELECT is(
  eventlog_test.etags_as('eventlog_test_reader', $$SELECT eventlog.stream_member('cart-1', 4)::bigint AS etag$$),
  ARRAY[eventlog.stream_member('cart-1', 4)::bigint],
  'a reader-only role can call stream_member'
);
SELECT is(
  eventlog_test.etags_as('eventlog_test_reader', $$SELECT count(*) AS etag FROM eventlog.delivery_blockers()$$),
  ARRAY[(SELECT count(*) FROM eventlog.delivery_blockers())],
  'a reader-only role can call delivery_blockers'
);
SELECT is(
  cardinality(eventlog_test.etags_as('eventlog_test_operator', $$SELECT * FROM eventlog.log_event('{"by": "admin"}', 'note', 'admin-notes')$$)),
  1,
  'a member of eventlog_admin can append'
);
SELECT is(
  (SELECT (event_type, stream, version)::text FROM eventlog.events WHERE payload = '{"by": "admin"}'),
  '(note,admin-notes,1)',
  'and the event is in the log'
);
SELECT throws_ok(
  $$SELECT eventlog_test.etags_as('eventlog_test_nobody', 'SELECT * FROM eventlog.get_event(0::bigint)')$$,
  '42501', 'permission denied for schema eventlog',
  'a role with none of our roles gets PostgreSQL''s own refusal, as the README shows'
);
SELECT throws_ok(
  $$SELECT eventlog_test.etags_as('eventlog_test_reader', 'SELECT * FROM eventlog.log_event(''{"by": "reader"}'')')$$,
  '42501', 'permission denied for function log_event',
  'a reader-only role cannot append'
);

SELECT * FROM finish();
ROLLBACK;
