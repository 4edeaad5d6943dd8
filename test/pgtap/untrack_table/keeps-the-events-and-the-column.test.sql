BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY, label text NOT NULL);
INSERT INTO capture_test.items VALUES (1, 'tea'), (2, 'cup');
SELECT FROM eventlog.track_table('capture_test.items');
UPDATE capture_test.items SET label = 'mug' WHERE id = 2;
SELECT FROM eventlog.untrack_table('capture_test.items');

UPDATE capture_test.items SET label = 'pot' WHERE id = 2;
DELETE FROM capture_test.items WHERE id = 1;
TRUNCATE capture_test.items;
INSERT INTO capture_test.items VALUES (1, 'tea'), (3, 'cup');

SELECT is((SELECT count(*) FROM eventlog.events WHERE stream LIKE 'capture_test.items:%'), 3::bigint,
  'after untrack_table, changes append nothing, and the events from before stay');
SELECT is(
  ARRAY(SELECT tgname::text FROM pg_catalog.pg_trigger WHERE tgrelid = 'capture_test.items'::regclass ORDER BY 1),
  '{}'::text[],
  'the capture triggers are gone (TRUNCATE works again)'
);
SELECT has_column('capture_test', 'items', 'revision', 'the revision column stays');
SELECT is((SELECT count(*) FROM eventlog.tracked_tables WHERE tbl = 'capture_test.items'::regclass), 0::bigint,
  'the table is no longer listed in tracked_tables');

-- Tracked again: the backfill goes on from each row's stream version, so revision = version still.
SELECT FROM eventlog.track_table('capture_test.items');
SELECT results_eq(
  $$SELECT i.id, i.revision, e.version FROM capture_test.items AS i
    JOIN eventlog.events AS e ON e.stream = 'capture_test.items:' || i.id AND e.metadata ? 'backfill'
     AND e.etag = (SELECT max(etag) FROM eventlog.events WHERE stream = e.stream)
    ORDER BY i.id$$,
  $$VALUES (1, 2, 2), (3, 1, 1)$$,
  'tracking again snapshots every row with the next version of its stream, also in the row'
);

SELECT * FROM finish();
ROLLBACK;
