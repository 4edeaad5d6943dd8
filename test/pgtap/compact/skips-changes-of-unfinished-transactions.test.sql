BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY, v integer);
SELECT FROM eventlog.track_table('capture_test.items');

-- Changes of this (unfinished) transaction: an insert superseded by two updates.
INSERT INTO capture_test.items VALUES (1, 0);
UPDATE capture_test.items SET v = 1;
UPDATE capture_test.items SET v = 2;

SELECT results_eq($$SELECT revisions_removed, events_examined FROM eventlog.compact('0')$$,
  $$VALUES (0::bigint, 0::bigint)$$, 'events at or above the read horizon are not examined');
SELECT is((SELECT count(*) FROM eventlog.events WHERE stream = 'capture_test.items:1'), 3::bigint, 'so all three revisions stay');

SELECT * FROM finish();
ROLLBACK;
