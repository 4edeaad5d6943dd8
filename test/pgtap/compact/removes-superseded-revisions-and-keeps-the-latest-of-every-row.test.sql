BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
CREATE TABLE capture_test.other (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');

-- Events as committed transactions left them (positions and times given by hand).
CREATE TEMP TABLE written (name text, etag bigint);
CREATE FUNCTION pg_temp.w(name text, tx_order bigint, age interval, event_type text, stream text, version integer)
RETURNS void LANGUAGE sql AS $$
  WITH e AS (
    INSERT INTO eventlog.events (etag, tx_order, ctime, event_type, stream, version, payload)
    VALUES (nextval('eventlog.events_etag_seq'), w.tx_order, now() - w.age, w.event_type, w.stream, w.version,
            jsonb_build_object('name', w.name))
    RETURNING etag)
  INSERT INTO written SELECT w.name, e.etag FROM e;
$$;
SELECT eventlog_test.set_guards(false);
SELECT pg_temp.w('1.1', 10, '10 days', 'insert', 'capture_test.items:1', 1),
       pg_temp.w('2.1', 10, '10 days', 'insert', 'capture_test.items:2', 1),
       pg_temp.w('plain', 15, '10 days', 'event', NULL, NULL),
       pg_temp.w('o1.1', 15, '10 days', 'insert', 'capture_test.other:1', 1),   -- an untracked table
       pg_temp.w('1.2', 20, '10 days', 'update', 'capture_test.items:1', 2),
       pg_temp.w('o1.2', 20, '10 days', 'update', 'capture_test.other:1', 2),
       pg_temp.w('1.3', 30, '10 days', 'update', 'capture_test.items:1', 3),
       pg_temp.w('1.note', 35, '10 days', 'note', 'capture_test.items:1', 4),   -- not a change: supersedes nothing
       pg_temp.w('3.1', 40, '1 hour', 'insert', 'capture_test.items:3', 1),
       pg_temp.w('3.2', 41, '1 hour', 'update', 'capture_test.items:3', 2);
SELECT eventlog_test.set_guards(true);

CREATE FUNCTION pg_temp.names(etags bigint[]) RETURNS text[] LANGUAGE sql AS $$
  SELECT coalesce(array_agg(w.name ORDER BY u.n), '{}') FROM unnest(etags) WITH ORDINALITY AS u (etag, n) JOIN written AS w USING (etag);
$$;
CREATE FUNCTION pg_temp.left_in_log() RETURNS text[] LANGUAGE sql AS $$
  SELECT array_agg(w.name ORDER BY e.tx_order, e.etag) FROM eventlog.events AS e JOIN written AS w USING (etag);
$$;

CREATE TEMP TABLE result AS SELECT * FROM eventlog.compact('1 day');
SELECT results_eq($$SELECT revisions_removed, tombstones_removed, events_examined, done FROM result$$,
  $$VALUES (2::bigint, 0::bigint, 10::bigint, true)$$, 'two revisions removed, all ten events examined, the pass is done');
SELECT is(pg_temp.left_in_log(), ARRAY['2.1', 'plain', 'o1.1', 'o1.2', '1.3', '1.note', '3.1', '3.2'],
  'the superseded revisions older than a day are gone; the latest of every row, a younger superseded one, other tables'' and other events stay');
SELECT is(pg_temp.names(eventlog_test.etags_of($$SELECT * FROM eventlog.get_changes('capture_test.items')$$)),
  ARRAY['2.1', '1.3', '3.1', '3.2'], 'a full read of the table''s log has the latest revision of every row');

CREATE TEMP TABLE result0 AS SELECT * FROM eventlog.compact('0');
SELECT results_eq($$SELECT revisions_removed, tombstones_removed, done FROM result0$$,
  $$VALUES (1::bigint, 0::bigint, true)$$, 'interval 0 removes every superseded revision');
SELECT is(pg_temp.left_in_log(), ARRAY['2.1', 'plain', 'o1.1', 'o1.2', '1.3', '1.note', '3.2'],
  'and never the latest of a row');
SELECT is(pg_temp.names(eventlog_test.etags_of(format('SELECT * FROM eventlog.get_changes(%L, %s)', 'capture_test.items',
            (SELECT etag FROM written WHERE name = '1.2')))),
  ARRAY['1.3', '3.2'], 'a reader that stood at a removed revision continues where it stood');

SELECT * FROM finish();
ROLLBACK;
