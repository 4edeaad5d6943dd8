BEGIN;
SELECT plan(9);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');

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
CREATE FUNCTION pg_temp.left_in_log() RETURNS text[] LANGUAGE sql AS $$
  SELECT coalesce(array_agg(w.name ORDER BY e.tx_order, e.etag), '{}') FROM eventlog.events AS e JOIN written AS w USING (etag);
$$;
-- Row 5 was deleted ten days ago, row 6 an hour ago.
SELECT eventlog_test.set_guards(false);
SELECT pg_temp.w('5.1', 10, '10 days', 'insert', 'capture_test.items:5', 1),
       pg_temp.w('6.1', 10, '10 days', 'insert', 'capture_test.items:6', 1),
       pg_temp.w('5.del', 20, '10 days', 'delete', 'capture_test.items:5', 2),
       pg_temp.w('6.del', 30, '1 hour', 'delete', 'capture_test.items:6', 2);
SELECT eventlog_test.set_guards(true);

SELECT results_eq($$SELECT revisions_removed, tombstones_removed FROM eventlog.compact('30 days', '1 day')$$,
  $$VALUES (0::bigint, 0::bigint)$$,
  'an old tombstone stays while an earlier revision of its row is left (here: younger than revisions_older_than)');
SELECT results_eq($$SELECT revisions_removed, tombstones_removed FROM eventlog.compact('0')$$,
  $$VALUES (2::bigint, 0::bigint)$$, 'a tombstone supersedes its row''s revisions; without tombstones_older_than it stays');
SELECT is(pg_temp.left_in_log(), ARRAY['5.del', '6.del'], 'so the log says that both rows were deleted');
SELECT results_eq($$SELECT revisions_removed, tombstones_removed FROM eventlog.compact('0', '1 day')$$,
  $$VALUES (0::bigint, 1::bigint)$$, 'a tombstone older than tombstones_older_than is removed');
SELECT is(pg_temp.left_in_log(), ARRAY['6.del'], 'the younger one stays');

-- Row 7: inserted and deleted long ago; both go in one call.
SELECT eventlog_test.set_guards(false);
SELECT pg_temp.w('7.1', 40, '10 days', 'insert', 'capture_test.items:7', 1),
       pg_temp.w('7.del', 50, '10 days', 'delete', 'capture_test.items:7', 2);
SELECT eventlog_test.set_guards(true);
SELECT results_eq($$SELECT revisions_removed, tombstones_removed FROM eventlog.compact('0', '1 day')$$,
  $$VALUES (1::bigint, 1::bigint)$$, 'a revision and its tombstone can go in the same call');
SELECT is(pg_temp.left_in_log(), ARRAY['6.del'], 'leaving nothing of the row');

-- Row 8: inserted, deleted, inserted again and deleted again, long ago: one call removes it all.
SELECT eventlog_test.set_guards(false);
SELECT pg_temp.w('8.1', 60, '10 days', 'insert', 'capture_test.items:8', 1),
       pg_temp.w('8.del', 61, '10 days', 'delete', 'capture_test.items:8', 2),
       pg_temp.w('8.3', 62, '10 days', 'insert', 'capture_test.items:8', 3),
       pg_temp.w('8.del2', 63, '10 days', 'delete', 'capture_test.items:8', 4);
SELECT eventlog_test.set_guards(true);
SELECT results_eq($$SELECT revisions_removed, tombstones_removed FROM eventlog.compact('0', '1 day')$$,
  $$VALUES (2::bigint, 2::bigint)$$, 'an earlier tombstone of the row does not hold a later one back');
SELECT is(pg_temp.left_in_log(), ARRAY['6.del'], 'so a row deleted twice goes in one call');

SELECT * FROM finish();
ROLLBACK;
