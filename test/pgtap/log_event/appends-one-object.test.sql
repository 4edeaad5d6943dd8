BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();

CREATE TEMP TABLE appended AS SELECT * FROM eventlog.log_event('{"amount": 10}');

SELECT is((SELECT count(*) FROM appended), 1::bigint, 'an object appends one event');
SELECT is((SELECT payload FROM appended), '{"amount": 10}'::jsonb, 'the payload is stored as given');
SELECT is((SELECT event_type FROM appended), 'event', 'the event type defaults to event');
SELECT is((SELECT metadata FROM appended), '{}'::jsonb, 'metadata defaults to an empty object');
SELECT is((SELECT stream FROM appended), NULL, 'without a stream there is no stream');
SELECT is(
  (SELECT count(*) FROM eventlog.events AS e JOIN appended AS a USING (etag)),
  1::bigint,
  'the returned row is the row in the log'
);

SELECT * FROM finish();
ROLLBACK;
