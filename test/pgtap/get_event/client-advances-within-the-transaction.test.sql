BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS
  SELECT etag FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}, {"n": 5}]') AS etag;

SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 2)$$),
  ARRAY(SELECT etag FROM committed ORDER BY etag LIMIT 2),
  'the first batch holds max_rows events'
);
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 2)$$),
  ARRAY(SELECT etag FROM committed ORDER BY etag OFFSET 2 LIMIT 2),
  'the next call in the same transaction continues after them'
);
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event(client => 'billing', max_rows => 10)$$),
  ARRAY(SELECT etag FROM committed ORDER BY etag OFFSET 4),
  'a batch larger than what is left returns the rest'
);
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 10)$$),
  '{}'::bigint[],
  'then nothing: every event was delivered once'
);

SELECT * FROM finish();
ROLLBACK;
