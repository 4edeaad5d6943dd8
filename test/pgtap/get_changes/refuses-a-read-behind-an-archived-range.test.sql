-- get_changes(tbl, after_etag) answers a read that would need archived events as get_event does:
-- EL051 naming the range and the first etag still in the log, or with eventlog.skip_archived on,
-- the changes the log still holds. The archived range is written here as detach_partitions
-- records one; its events are not in the log.
BEGIN;
SELECT plan(7);
SELECT eventlog_test.reset();
-- The archived range below holds etags 1 and 2: keep the fixture's etags above them.
SELECT setval('eventlog.events_etag_seq', greatest((SELECT last_value FROM eventlog.events_etag_seq), 100));
DELETE FROM eventlog.change_cursors;

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
CREATE TABLE capture_test.other (id integer PRIMARY KEY);
CREATE TABLE capture_test.untracked (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');
SELECT FROM eventlog.track_table('capture_test.other');

-- Change events as committed transactions would have left them (positions given by hand, a day
-- old): the table's changes a, d, e, f in log order; b another table's, c a plain event.
CREATE TEMP TABLE written (name text, etag bigint);
SELECT eventlog_test.set_guards(false);
WITH w AS (
  INSERT INTO eventlog.events (etag, tx_order, ctime, event_type, stream, payload)
  VALUES (nextval('eventlog.events_etag_seq'), 10, now() - interval '1 day', 'insert', 'capture_test.items:1', '{"id": 1}'),  -- a
         (nextval('eventlog.events_etag_seq'), 10, now() - interval '1 day', 'insert', 'capture_test.other:1', '{"id": 1}'),  -- b
         (nextval('eventlog.events_etag_seq'), 15, now() - interval '1 day', 'event', NULL, '{"n": 1}'),                      -- c
         (nextval('eventlog.events_etag_seq'), 20, now() - interval '1 day', 'insert', 'capture_test.items:2', '{"id": 2}'),  -- d
         (nextval('eventlog.events_etag_seq'), 30, now() - interval '1 day', 'update', 'capture_test.items:1', '{"id": 1}'),  -- e
         (nextval('eventlog.events_etag_seq'), 40, now() - interval '1 day', 'delete', 'capture_test.items:2', '{"id": 2}')   -- f
  RETURNING etag
)
INSERT INTO written SELECT chr(96 + row_number() OVER (ORDER BY etag)::integer), etag FROM w;
SELECT eventlog_test.set_guards(true);
CREATE FUNCTION pg_temp.names(etags bigint[]) RETURNS text[] LANGUAGE sql AS $$
  SELECT coalesce(array_agg(w.name ORDER BY u.n), '{}') FROM unnest(etags) WITH ORDINALITY AS u (etag, n) JOIN written AS w USING (etag);
$$;
CREATE FUNCTION pg_temp.etag(name text) RETURNS bigint LANGUAGE sql AS $$
  SELECT w.etag FROM written AS w WHERE w.name = etag.name;
$$;
CREATE FUNCTION pg_temp.peek(client text, max_rows integer DEFAULT 1000) RETURNS text[] LANGUAGE sql AS $$
  SELECT pg_temp.names(eventlog_test.etags_of(format('SELECT * FROM eventlog.peek_changes(%L, %L, %s)', 'capture_test.items', client, max_rows)));
$$;
CREATE FUNCTION pg_temp.cursor_at(client text) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce((SELECT w.name FROM written AS w WHERE w.etag = c.etag), c.etag::text)
  FROM eventlog.change_cursors AS c WHERE c.client = cursor_at.client AND c.tbl = 'capture_test.items'::regclass;
$$;

INSERT INTO eventlog.archived_ranges (from_etag, to_etag, partition_name, max_tx_order)
VALUES (1, 3, 'events_archived_by_this_test', 5);
CREATE FUNCTION pg_temp.read(after_etag bigint) RETURNS text[] LANGUAGE sql AS $$
  SELECT pg_temp.names(eventlog_test.etags_of(format('SELECT * FROM eventlog.get_changes(%L, %s, 100)', 'capture_test.items', after_etag)));
$$;

SELECT throws_ok($$SELECT * FROM eventlog.get_changes('capture_test.items', 0, 10)$$, 'EL051',
  format('an event after etag 0, etags 1 to 2, is archived; the first etag in the log is %s', (SELECT min(etag) FROM eventlog.events)),
  'a read from the beginning, before the range, is refused, naming the range and the first etag in the log');
SELECT throws_ok($$SELECT * FROM eventlog.get_changes('capture_test.items', 2, 10)$$, 'EL051',
  format('etag 2, etags 1 to 2, is archived; the first etag in the log is %s', (SELECT min(etag) FROM eventlog.events)),
  'a read after an etag inside the range is refused');
SELECT is(pg_temp.read(pg_temp.etag('a')), ARRAY['d', 'e', 'f'], 'a read after the range is not affected');
SELECT is(pg_temp.names(eventlog_test.etags_of(format('SELECT * FROM eventlog.get_changes(%L, %L, 100)', 'capture_test.items', pg_temp.etag('a')::text))),
  ARRAY['d', 'e', 'f'], 'nor in the text form');
UPDATE eventlog.archived_ranges SET max_tx_order = 25;
SELECT throws_ok(format('SELECT * FROM eventlog.get_changes(%L, %s)', 'capture_test.items', pg_temp.etag('a')), 'EL051', NULL,
  'a read from a position before an archived event is refused, even after an etag in the log');
UPDATE eventlog.archived_ranges SET max_tx_order = 5;
SET LOCAL eventlog.skip_archived = on;
SELECT is(pg_temp.read(0), ARRAY['a', 'd', 'e', 'f'], 'with eventlog.skip_archived on, the read from the beginning continues with what the log holds');
SELECT is(pg_temp.read(2), ARRAY['a', 'd', 'e', 'f'], 'and so does the read after an etag inside the range');

SELECT * FROM finish();
ROLLBACK;
