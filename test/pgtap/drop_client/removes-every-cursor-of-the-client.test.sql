BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS SELECT etag FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}]') AS etag;
SELECT count(*) FROM eventlog.get_event('billing', 2);
SELECT count(*) FROM eventlog.get_event('billing', 2, 1, 3);
SELECT count(*) FROM eventlog.get_event('other', 2);

SELECT lives_ok($$SELECT eventlog.drop_client('billing')$$, 'dropping a client');
SELECT is(
  (SELECT array_agg(DISTINCT client) FROM eventlog.client_cursors),
  ARRAY['other'],
  'removes all its cursors, of every group size, and no other client'
);
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 10)$$),
  ARRAY(SELECT etag FROM committed ORDER BY etag),
  'using the name again starts a new client at the beginning'
);

SELECT * FROM finish();
ROLLBACK;
