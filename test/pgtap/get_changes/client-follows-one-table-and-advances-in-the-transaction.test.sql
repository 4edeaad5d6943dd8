BEGIN;
SELECT plan(11);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
CREATE TABLE capture_test.other (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');
SELECT FROM eventlog.track_table('capture_test.other');

-- Change events as committed transactions would have left them (positions given by hand).
CREATE TEMP TABLE written (name text, etag bigint);
SELECT eventlog_test.set_guards(false);
WITH w AS (
  INSERT INTO eventlog.events (etag, tx_order, event_type, stream, payload)
  VALUES (nextval('eventlog.events_etag_seq'), 20, 'insert', 'capture_test.items:1', '{"id": 1}'),   -- a
         (nextval('eventlog.events_etag_seq'), 10, 'insert', 'capture_test.items:2', '{"id": 2}'),   -- b
         (nextval('eventlog.events_etag_seq'), 10, 'insert', 'capture_test.other:1', '{"id": 1}'),   -- c: another table
         (nextval('eventlog.events_etag_seq'), 15, 'event', NULL, '{"n": 1}'),                       -- d: a plain event
         (nextval('eventlog.events_etag_seq'), 30, 'delete', 'capture_test.items:2', '{"id": 2}')    -- e
  RETURNING etag
)
INSERT INTO written SELECT chr(96 + row_number() OVER (ORDER BY etag)::integer), etag FROM w;
SELECT eventlog_test.set_guards(true);
CREATE FUNCTION pg_temp.names(etags bigint[]) RETURNS text[] LANGUAGE sql AS $$
  SELECT coalesce(array_agg(w.name ORDER BY u.n), '{}') FROM unnest(etags) WITH ORDINALITY AS u (etag, n) JOIN written AS w USING (etag);
$$;

SAVEPOINT before_read;
SELECT is(pg_temp.names(eventlog_test.etags_of($$SELECT * FROM eventlog.get_changes('capture_test.items', 'mirror', 2)$$)),
  ARRAY['b', 'a'], 'a first read that is rolled back ...');
ROLLBACK TO SAVEPOINT before_read;
SELECT is((SELECT count(*) FROM eventlog.change_cursors WHERE client = 'mirror'), 0::bigint, '... leaves no client behind');
SELECT is(pg_temp.names(eventlog_test.etags_of($$SELECT * FROM eventlog.get_changes('capture_test.items', 'mirror', 2)$$)),
  ARRAY['b', 'a'], 'first use starts at the beginning and returns the table''s changes in log order');
SAVEPOINT before_move;
SELECT is(pg_temp.names(eventlog_test.etags_of($$SELECT * FROM eventlog.get_changes('capture_test.items', 'mirror', 2)$$)),
  ARRAY['e'], 'a move that is rolled back ...');
ROLLBACK TO SAVEPOINT before_move;
SELECT is(pg_temp.names(eventlog_test.etags_of($$SELECT * FROM eventlog.get_changes('capture_test.items', 'mirror', 2)$$)),
  ARRAY['e'], '... delivers the changes again; the next call continues after the cursor, in the same transaction');
SELECT is(pg_temp.names(eventlog_test.etags_of($$SELECT * FROM eventlog.get_changes('capture_test.items', 'mirror')$$)),
  '{}'::text[], 'then there is nothing left');
SELECT is((SELECT etag FROM eventlog.change_cursors WHERE client = 'mirror' AND tbl = 'capture_test.items'::regclass),
  (SELECT etag FROM written WHERE name = 'e'), 'the cursor stands at the last change delivered');
SELECT is(pg_temp.names(eventlog_test.etags_of($$SELECT * FROM eventlog.get_changes('capture_test.other', 'mirror')$$)),
  ARRAY['c'], 'the same name on another table is another cursor');
SELECT is((SELECT owner_role FROM eventlog.change_cursors WHERE client = 'mirror' LIMIT 1), current_user,
  'the client belongs to the role that created it');
SELECT is(pg_temp.names(eventlog_test.etags_of($$SELECT * FROM eventlog.get_changes('capture_test.items', '0'::text, 10)$$)),
  ARRAY['b', 'a', 'e'], 'a client name that reads as an etag is read as one, creating nothing');
SELECT is((SELECT count(*) FROM eventlog.change_cursors WHERE client = '0'), 0::bigint, 'no client named 0 exists');

SELECT * FROM finish();
ROLLBACK;
