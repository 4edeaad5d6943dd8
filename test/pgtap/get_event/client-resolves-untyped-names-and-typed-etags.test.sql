BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS
  SELECT etag FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}, {"n": 3}]') AS etag;

SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing')$$),
  ARRAY(SELECT min(etag) FROM committed),
  'get_event(''billing'') with an untyped literal reads the client billing'
);
SELECT ok(
  EXISTS (SELECT 1 FROM eventlog.client_cursors WHERE client = 'billing'),
  '... and created it'
);
SELECT is(
  eventlog_test.etags_of(format('SELECT * FROM eventlog.get_event(%s)', (SELECT min(etag) FROM committed))),
  ARRAY(SELECT etag FROM committed ORDER BY etag OFFSET 1 LIMIT 1),
  'get_event(<integer literal>) still means the event after that etag'
);
SELECT is(
  eventlog_test.etags_of(format('SELECT * FROM eventlog.get_event(%L, 5)', (SELECT min(etag) FROM committed))),
  ARRAY(SELECT etag FROM committed ORDER BY etag OFFSET 1),
  'an untyped literal that reads as a number (a driver''s untyped $1) is read as an etag too'
);
SELECT is(
  (SELECT count(*) FROM eventlog.client_cursors),
  1::bigint,
  '... and creates no client'
);
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event()$$),
  ARRAY(SELECT min(etag) FROM committed),
  'get_event() is still the first event of the log'
);

SELECT * FROM finish();
ROLLBACK;
