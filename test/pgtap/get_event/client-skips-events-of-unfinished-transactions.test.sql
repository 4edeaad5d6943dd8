BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS SELECT etag FROM eventlog_test.append_committed(10, '[{"old": true}]') AS etag;
SELECT eventlog.log_event('{"mine": true}');

SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 10)$$),
  ARRAY[(SELECT etag FROM committed)],
  'events of a transaction still open (this one) are not delivered'
);
SELECT is(
  (SELECT etag FROM eventlog.client_cursors WHERE client = 'billing'),
  (SELECT etag FROM committed),
  'the cursor stops before them, so they are delivered once they commit'
);
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 10)$$),
  '{}'::bigint[],
  'asking again returns nothing yet'
);

SELECT * FROM finish();
ROLLBACK;
