-- Many events of one stream in one transaction (0061): after the first, each event updates the
-- stream's row where the trigger left it (by ctid, remembered in eventlog.stream_row) instead of
-- looking it up through the primary key and walking the transaction's versions of it, which made
-- such a transaction quadratic. Shown by the index scans of eventlog.streams (pg_stat_xact, this
-- transaction's own counts): about one per event before, a handful now. And the versions stay
-- exact: dense, in insertion order, across statements, interleaved streams, a rolled-back
-- savepoint, append_to_stream in between, and COPY-like multi-row inserts.
BEGIN;
SELECT plan(11);

CREATE TEMP TABLE scans_before AS
  SELECT coalesce(idx_scan, 0) AS n FROM pg_catalog.pg_stat_xact_user_tables WHERE relid = 'eventlog.streams'::regclass;
INSERT INTO eventlog.events (event_type, stream, payload)
SELECT 'n', 'one-stream-many-events', pg_catalog.jsonb_build_object('n', g) FROM pg_catalog.generate_series(1, 2000) AS g;
SELECT cmp_ok(
  (SELECT coalesce(idx_scan, 0) FROM pg_catalog.pg_stat_xact_user_tables WHERE relid = 'eventlog.streams'::regclass)
    - (SELECT coalesce(max(n), 0) FROM scans_before),
  '<', 10::bigint, '2,000 events of one stream: the stream''s row is looked up by its key only a few times');
SELECT is(
  (SELECT pg_catalog.array_agg(e.version ORDER BY e.etag) FROM eventlog.events AS e WHERE e.stream = 'one-stream-many-events'),
  (SELECT pg_catalog.array_agg(g) FROM pg_catalog.generate_series(1, 2000) AS g),
  'their versions are 1..2000 in insertion order');
SELECT is((SELECT s.version FROM eventlog.streams AS s WHERE s.stream = 'one-stream-many-events'), 2000, 'the stream''s row says 2000');

-- A second statement of the same transaction continues, and so does log_event.
INSERT INTO eventlog.events (event_type, stream, payload) VALUES ('n', 'one-stream-many-events', '{"n": 2001}'), ('n', 'one-stream-many-events', '{"n": 2002}');
SELECT is((SELECT pg_catalog.array_agg(v.version ORDER BY v.version) FROM eventlog.log_event('{"n": 2003}', 'n', 'one-stream-many-events') AS v),
  ARRAY[2003], 'later statements continue the numbering');

-- Two streams interleaved in one statement.
INSERT INTO eventlog.events (event_type, stream, payload)
SELECT 'n', CASE WHEN g % 2 = 0 THEN 'one-stream-even' ELSE 'one-stream-odd' END, pg_catalog.jsonb_build_object('n', g)
FROM pg_catalog.generate_series(1, 200) AS g;
SELECT is(
  (SELECT pg_catalog.array_agg(e.version ORDER BY e.etag) FROM eventlog.events AS e WHERE e.stream = 'one-stream-even'),
  (SELECT pg_catalog.array_agg(g) FROM pg_catalog.generate_series(1, 100) AS g),
  'interleaved streams: each numbered 1..100 in insertion order (even)');
SELECT is(
  (SELECT pg_catalog.array_agg(e.version ORDER BY e.etag) FROM eventlog.events AS e WHERE e.stream = 'one-stream-odd'),
  (SELECT pg_catalog.array_agg(g) FROM pg_catalog.generate_series(1, 100) AS g),
  'and odd');

-- A savepoint rolled back undoes its versions and the remembered row together.
SAVEPOINT undone;
INSERT INTO eventlog.events (event_type, stream, payload)
SELECT 'n', 'one-stream-many-events', pg_catalog.jsonb_build_object('undone', g) FROM pg_catalog.generate_series(1, 50) AS g;
ROLLBACK TO SAVEPOINT undone;
INSERT INTO eventlog.events (event_type, stream, payload) VALUES ('n', 'one-stream-many-events', '{"n": 2004}');
SELECT is((SELECT e.version FROM eventlog.events AS e WHERE e.stream = 'one-stream-many-events' AND e.payload = '{"n": 2004}'), 2004,
  'after a rolled-back savepoint the next event takes the next version');

-- append_to_stream updates the row itself in between; the events after it still number on.
SELECT is((SELECT pg_catalog.array_agg(a.version ORDER BY a.version) FROM eventlog.append_to_stream('one-stream-many-events',
  '[{"type": "a", "payload": {}}, {"type": "b", "payload": {}}]', 2004) AS a), ARRAY[2005, 2006],
  'append_to_stream with the expected version 2004 appends 2005 and 2006');
INSERT INTO eventlog.events (event_type, stream, payload)
SELECT 'n', 'one-stream-many-events', pg_catalog.jsonb_build_object('n', g) FROM pg_catalog.generate_series(1, 3) AS g;
SELECT is(
  (SELECT pg_catalog.array_agg(e.version ORDER BY e.etag) FROM eventlog.events AS e WHERE e.stream = 'one-stream-many-events'),
  (SELECT pg_catalog.array_agg(g) FROM pg_catalog.generate_series(1, 2009) AS g),
  'the whole stream is 1..2009, dense, in log order');
SELECT is((SELECT s.version FROM eventlog.streams AS s WHERE s.stream = 'one-stream-many-events'), 2009, 'and its row says 2009');

-- A forged address names some other row version: the trigger checks it and takes the upsert.
SELECT pg_catalog.set_config('eventlog.stream_row', '(0,1)' || E'\n' || 'one-stream-many-events', true);
INSERT INTO eventlog.events (event_type, stream, payload) VALUES ('n', 'one-stream-many-events', '{"n": "forged"}');
SELECT is((SELECT e.version FROM eventlog.events AS e WHERE e.payload = '{"n": "forged"}'), 2010,
  'a forged address changes nothing: the next version is 2010');

SELECT * FROM finish();
ROLLBACK;
