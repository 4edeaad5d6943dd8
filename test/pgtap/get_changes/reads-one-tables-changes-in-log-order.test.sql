BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
CREATE TABLE capture_test.items_x (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');
SELECT FROM eventlog.track_table('capture_test.items_x');

-- Events as committed transactions would have left them: positions given by hand (guards off for
-- the moment), etags in another order than positions.
CREATE TEMP TABLE written (name text, etag bigint);
SELECT eventlog_test.set_guards(false);
WITH w AS (
  INSERT INTO eventlog.events (etag, tx_order, event_type, stream, payload)
  VALUES (nextval('eventlog.events_etag_seq'), 5, 'insert', 'capture_test.items:1', '{"id": 1}'),         -- a
         (nextval('eventlog.events_etag_seq'), 10, 'insert', 'capture_test.items:2', '{"id": 2}'),        -- b
         (nextval('eventlog.events_etag_seq'), 10, 'insert', 'capture_test.items_x:1', '{"id": 1}'),      -- c: another table
         (nextval('eventlog.events_etag_seq'), 15, 'event', 'capture_test.items:3', '{"id": 3}'),         -- d: not a change event
         (nextval('eventlog.events_etag_seq'), 15, 'event', NULL, '{"n": 1}'),                            -- e: a plain event
         (nextval('eventlog.events_etag_seq'), 30, 'update', 'capture_test.items:2', '{"id": 2}'),        -- f
         (nextval('eventlog.events_etag_seq'), 20, 'delete', 'capture_test.items:1', '{"id": 1}')         -- g
  RETURNING etag, stream, tx_order
)
INSERT INTO written SELECT chr(96 + row_number() OVER (ORDER BY etag)::integer), etag FROM w;
SELECT eventlog_test.set_guards(true);

CREATE FUNCTION pg_temp.names(etags bigint[]) RETURNS text[] LANGUAGE sql AS $$
  SELECT coalesce(array_agg(w.name ORDER BY u.n), '{}') FROM unnest(etags) WITH ORDINALITY AS u (etag, n) JOIN written AS w USING (etag);
$$;
CREATE FUNCTION pg_temp.at(name text) RETURNS bigint LANGUAGE sql AS $$ SELECT etag FROM written WHERE written.name = at.name $$;

SELECT is(pg_temp.names(eventlog_test.etags_of($$SELECT * FROM eventlog.get_changes('capture_test.items')$$)),
  ARRAY['a', 'b', 'g', 'f'], 'the table''s insert, update and delete events, in log order, nothing else');
SELECT is(pg_temp.names(eventlog_test.etags_of($$SELECT * FROM eventlog.get_changes('capture_test.items', 0, 2)$$)),
  ARRAY['a', 'b'], 'max_rows limits the batch');
SELECT is(pg_temp.names(eventlog_test.etags_of(format('SELECT * FROM eventlog.get_changes(%L, %s)', 'capture_test.items', pg_temp.at('b')))),
  ARRAY['g', 'f'], 'it resumes after one of its own etags');
SELECT is(pg_temp.names(eventlog_test.etags_of(format('SELECT * FROM eventlog.get_changes(%L, %s)', 'capture_test.items', pg_temp.at('e')))),
  ARRAY['g', 'f'], 'and after any etag of the log');
SELECT is(pg_temp.names(eventlog_test.etags_of($$SELECT * FROM eventlog.get_changes('capture_test.items_x')$$)),
  ARRAY['c'], 'a table whose name starts like another''s has only its own changes');

SELECT * FROM finish();
ROLLBACK;
