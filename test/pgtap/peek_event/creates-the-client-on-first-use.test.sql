BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS
  SELECT etag FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}]') AS etag;

SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.peek_event('mailer', 10)$$),
  ARRAY(SELECT etag FROM committed ORDER BY etag),
  'peeking a new client reads from the beginning'
);
SELECT results_eq(
  $$SELECT members, member, etag FROM eventlog.client_cursors WHERE client = 'mailer'$$,
  $$VALUES (1, 0, 0::bigint)$$,
  'and creates it there, so that a consumer using only peek and ack can start by itself'
);
SELECT is(
  (SELECT count(*) FROM eventlog.client_cursors WHERE client = 'mailer' AND members = 4),
  0::bigint,
  'no group size exists before it is used'
);

SELECT * FROM finish();
ROLLBACK;
