BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

-- Three committed transactions that began an hour, a minute and a second ago.
CREATE TEMP TABLE old AS SELECT etag FROM eventlog_test.append_committed_at(10, now() - interval '1 hour', '[{"n": 1}, {"n": 2}]') AS etag;
CREATE TEMP TABLE recent AS SELECT etag FROM eventlog_test.append_committed_at(20, now() - interval '1 minute', '[{"n": 3}]') AS etag;
CREATE TEMP TABLE newest AS SELECT etag FROM eventlog_test.append_committed_at(30, now() - interval '1 second', '[{"n": 4}]') AS etag;
SELECT count(*) FROM eventlog.get_event('billing', 10);

SELECT is(
  eventlog.seek_client('billing', now() - interval '10 minutes'),
  (SELECT max(etag) FROM old),
  'seeking to a time stands just before the first event written at or after it'
);
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 10)$$),
  ARRAY[(SELECT etag FROM recent), (SELECT etag FROM newest)],
  'so every event from then on is delivered'
);
SELECT is(
  eventlog.seek_client('billing', (now() - interval '30 seconds')::text),
  (SELECT etag FROM recent),
  'a timestamp given as text is read as a time'
);
SELECT is(eventlog.seek_client('billing', now() - interval '1 day'), 0::bigint, 'a time before the log is the beginning');
SELECT is(eventlog.seek_client('billing', now() + interval '1 day'), (SELECT etag FROM newest), 'a time after the log is the end');

SELECT * FROM finish();
ROLLBACK;
