BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS
  SELECT etag FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}, {"n": 3}]') AS etag;
CREATE TEMP TABLE own AS SELECT etag FROM eventlog.log_event('{"mine": true}');
SELECT count(*) FROM eventlog.get_event('billing', 1);

SELECT is(eventlog.seek_client('billing', 'end'), (SELECT max(etag) FROM committed), '''end'' is the last event below the read horizon');
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 10)$$),
  '{}'::bigint[],
  'so nothing final is left to read'
);
SELECT ok(
  (SELECT tx_order FROM eventlog.client_cursors WHERE client = 'billing') < (SELECT tx_order FROM eventlog.events WHERE etag = (SELECT etag FROM own)),
  'while the open transaction''s events stay ahead of the cursor, to be delivered after it commits'
);
SELECT is(eventlog.seek_client('billing', 'Beginning'), 0::bigint, '''beginning'' (any case) is etag 0');
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 10)$$),
  ARRAY(SELECT etag FROM committed ORDER BY etag),
  'from where everything is read again'
);

SELECT * FROM finish();
ROLLBACK;
