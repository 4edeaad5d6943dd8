-- A consumer peeks, compaction removes a superseded revision it was given, then the consumer acks
-- that etag: accepted, and the cursor stands where the removed change stood.
BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();
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

SELECT is(pg_temp.peek('mirror', 1), ARRAY['a'], 'the consumer peeks the first revision of row 1');
SELECT is((SELECT revisions_removed FROM eventlog.compact('0')), 2::bigint, 'compaction removes it (row 1 has a later revision, e), and d (row 2 was deleted, f)');
SELECT is((SELECT count(*) FROM eventlog.events WHERE etag = pg_temp.etag('a')), 0::bigint, 'it is gone from the log');
SELECT lives_ok(format('SELECT eventlog.ack_changes(%L, %L, %s)', 'capture_test.items', 'mirror', pg_temp.etag('a')),
  'its ack is accepted');
SELECT is((SELECT (c.tx_order, c.etag)::text FROM eventlog.change_cursors AS c WHERE c.client = 'mirror'),
  format('(10,%s)', pg_temp.etag('a')), 'the cursor stands where the removed change stood');
SELECT is(pg_temp.peek('mirror'), ARRAY['e', 'f'], 'and the next peek continues right after it, with what the log holds');

SELECT * FROM finish();
ROLLBACK;
