-- Change clients (get_changes(tbl, client), peek_changes, seek_changes, ack_changes) positioned
-- before or inside an archived range get get_event's answer: EL051, or with
-- eventlog.skip_archived on, the changes the log still holds. A client after the range reads on.
BEGIN;
SELECT plan(12);
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
CREATE FUNCTION pg_temp.get(client text) RETURNS text[] LANGUAGE sql AS $$
  SELECT pg_temp.names(eventlog_test.etags_of(format('SELECT * FROM eventlog.get_changes(%L, %L::text, 100)', 'capture_test.items', client)));
$$;
CREATE TEMP TABLE first_kept AS SELECT min(etag) AS etag FROM eventlog.events;

SELECT throws_ok($$SELECT * FROM eventlog.get_changes('capture_test.items', 'fresh'::text)$$, 'EL051',
  format('an event after etag 0, etags 1 to 2, is archived; the first etag in the log is %s', (SELECT etag FROM first_kept)),
  'a new client starts at the beginning, before the range: get_changes is refused');
CREATE TABLE capture_test.quiet (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.quiet');
SELECT throws_ok($$SELECT * FROM eventlog.get_changes('capture_test.quiet', 'fresh'::text)$$, 'EL051', NULL,
  'also on a table with no changes at all');
SELECT throws_ok($$SELECT * FROM eventlog.peek_changes('capture_test.items', 'fresh')$$, 'EL051',
  format('an event after etag 0, etags 1 to 2, is archived; the first etag in the log is %s', (SELECT etag FROM first_kept)),
  'and so is peek_changes');
SELECT throws_ok($$SELECT eventlog.seek_changes('capture_test.items', 'fresh', 2)$$, 'EL051',
  format('etag 2, etags 1 to 2, is archived; the first etag in the log is %s', (SELECT etag FROM first_kept)),
  'seeking to an etag inside the range is refused');
SELECT is(eventlog.seek_changes('capture_test.items', 'after', pg_temp.etag('a')), pg_temp.etag('a'), 'seeking after the range works');
SELECT is(pg_temp.get('after'), ARRAY['d', 'e', 'f'], 'and a client after the range reads on');

SELECT eventlog.seek_changes('capture_test.items', 'behind', 'beginning');
SELECT throws_ok($$SELECT * FROM eventlog.get_changes('capture_test.items', 'behind'::text)$$, 'EL051', NULL,
  'a client sought to the beginning is refused by get_changes');
SELECT throws_ok($$SELECT * FROM eventlog.peek_changes('capture_test.items', 'behind')$$, 'EL051', NULL, 'and by peek_changes');
SELECT throws_ok($$SELECT eventlog.ack_changes('capture_test.items', 'behind', 2)$$, 'EL051', NULL,
  'ack_changes of an etag inside the range is refused');
SELECT eventlog.seek_changes('capture_test.items', 'done', pg_temp.etag('f'));
UPDATE eventlog.archived_ranges SET max_tx_order = 45;
SELECT throws_ok($$SELECT * FROM eventlog.get_changes('capture_test.items', 'done'::text)$$, 'EL051', NULL,
  'a client with nothing left to read, standing before an archived event, is refused too');
UPDATE eventlog.archived_ranges SET max_tx_order = 5;

SET LOCAL eventlog.skip_archived = on;
SELECT is(pg_temp.peek('behind'), ARRAY['a', 'd', 'e', 'f'], 'with eventlog.skip_archived on, peek_changes returns what the log holds');
SELECT is(pg_temp.get('behind'), ARRAY['a', 'd', 'e', 'f'], 'and so does get_changes, moving the cursor');

SELECT * FROM finish();
ROLLBACK;
