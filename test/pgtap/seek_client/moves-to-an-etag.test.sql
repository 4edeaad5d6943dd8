BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS
  SELECT etag FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}, {"n": 3}]') AS etag;
SELECT count(*) FROM eventlog.get_event('billing', 3);

SELECT is(
  eventlog.seek_client('billing', (SELECT min(etag) FROM committed)),
  (SELECT min(etag) FROM committed),
  'seeking to an etag returns it'
);
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 10)$$),
  ARRAY(SELECT etag FROM committed ORDER BY etag OFFSET 1),
  'and the client continues after that event (here: backwards, so events are delivered again)'
);
SELECT is(eventlog.seek_client('billing', 0), 0::bigint, 'etag 0 is the beginning');
SELECT is(
  eventlog_test.etags_of(format('SELECT * FROM eventlog.peek_event(%L, 10)', 'billing')),
  ARRAY(SELECT etag FROM committed ORDER BY etag),
  'from where every event is delivered'
);

SELECT * FROM finish();
ROLLBACK;
