BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS
  SELECT etag FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}, {"n": 3}]') AS etag;
SELECT count(*) FROM eventlog.get_event('billing', 1);

SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.peek_event('billing', 10)$$),
  ARRAY(SELECT etag FROM committed ORDER BY etag OFFSET 1),
  'peek returns the events after the cursor'
);
SELECT is(
  (SELECT (etag, peeked_etag)::text FROM eventlog.client_cursors WHERE client = 'billing'),
  (SELECT (min(etag), max(etag))::text FROM committed),
  'the cursor stays; the end of the peeked batch is recorded for ack_event'
);
CREATE TEMP TABLE before AS SELECT ctid AS row_version FROM eventlog.client_cursors WHERE client = 'billing';
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.peek_event('billing', 10)$$),
  ARRAY(SELECT etag FROM committed ORDER BY etag OFFSET 1),
  'peeking again returns the same events'
);
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.peek_event('billing', 1)$$),
  ARRAY(SELECT etag FROM committed ORDER BY etag OFFSET 1 LIMIT 1),
  'a shorter peek returns the start of the batch'
);
SELECT is(
  (SELECT ctid FROM eventlog.client_cursors WHERE client = 'billing'),
  (SELECT row_version FROM before),
  'neither writes the cursor row: they reach no further than the first peek'
);
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 10)$$),
  ARRAY(SELECT etag FROM committed ORDER BY etag OFFSET 1),
  'get_event then returns what peek showed'
);

SELECT * FROM finish();
ROLLBACK;
