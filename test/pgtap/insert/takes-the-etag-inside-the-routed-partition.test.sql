-- The etag column default only guesses (the last etag of the range the next value falls in, read
-- without nextval), the row is routed by that guess, and the append check trigger takes the real
-- etag inside the guessed range: near a range's end the guess names the next range and the
-- trigger skips to it; a range the sequence has passed gets 40001 (docs/partitions.md).
BEGIN;
SELECT plan(7);
SELECT eventlog_test.reset();
SELECT eventlog.set_partition_size(100);
SELECT eventlog.ensure_partitions(3);
-- Start at the beginning of a range, wherever earlier tests left the sequence.
SELECT setval('eventlog.events_etag_seq', (nextval('eventlog.events_etag_seq') / 100 + 1) * 100);
CREATE TEMP TABLE at AS SELECT currval('eventlog.events_etag_seq') AS v, currval('eventlog.events_etag_seq') / 100 * 100 AS lo;

SELECT is(eventlog._etag_guess() % 100, 99::bigint, 'every guess is the last etag of a range');
-- Move the sequence to 20 before the end of its range (beyond the margin of 100 / 8 = 12).
SELECT count(nextval('eventlog.events_etag_seq')) FROM generate_series(1, (SELECT lo + 79 - v FROM at));
SELECT is(eventlog._etag_guess(), (SELECT lo + 99 FROM at), 'away from its end, the guess names the current range');
SELECT is((SELECT etag FROM eventlog.log_event('{"n": 1}')), (SELECT lo + 80 FROM at), 'and the event gets the next etag');
-- 12 before the end: within the margin.
SELECT count(nextval('eventlog.events_etag_seq')) FROM generate_series(1, 7);
SELECT is(eventlog._etag_guess(), (SELECT lo + 199 FROM at), 'near its end, the guess names the next range');
CREATE TEMP TABLE second AS SELECT etag FROM eventlog.log_event('{"n": 2}');
SELECT is(
  (SELECT row(e.etag, e.tableoid::regclass)::text FROM second JOIN eventlog.events AS e USING (etag)),
  (SELECT row(lo + 100, format('eventlog.events_%s', lpad((lo + 100)::text, 19, '0'))::regclass)::text FROM at),
  'and the event gets the first etag of the next range, in its partition; the etags between are skipped'
);
SELECT is(
  (SELECT etag FROM eventlog.log_event('{"n": 3}')), (SELECT lo + 101 FROM at),
  'the next event follows it'
);
-- A guess the sequence has passed (the owner can give one; a first writer queued at a boundary
-- can hold one).
SELECT throws_ok(
  format('INSERT INTO eventlog.events (payload, etag) VALUES (''{}'', %s)', (SELECT lo + 99 FROM at)),
  '40001', NULL,
  'an event routed to a range the sequence has passed is refused with 40001'
);
SELECT * FROM finish();
ROLLBACK;
