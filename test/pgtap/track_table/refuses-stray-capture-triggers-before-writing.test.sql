BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
-- A row, so that a backfill would take an etag: the etag sequence is not rolled back with a
-- refused statement, so it shows whether track_table wrote before refusing.
CREATE TABLE capture_test.made_by_hand (id integer PRIMARY KEY);
INSERT INTO capture_test.made_by_hand VALUES (1);
CREATE TRIGGER my_capture AFTER DELETE ON capture_test.made_by_hand REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION eventlog.tg_tracked__log_changes('capture_test.made_by_hand:', 'revision', 'id');
CREATE TEMP TABLE seq_before AS SELECT last_value, is_called FROM eventlog.events_etag_seq;

SELECT throws_ok($$SELECT eventlog.track_table('capture_test.made_by_hand')$$, 'EL044',
  'table capture_test.made_by_hand has capture triggers (my_capture) but is not tracked by track_table',
  'a trigger running a capture function, made by hand, is refused');
SELECT results_eq('SELECT last_value, is_called FROM eventlog.events_etag_seq', 'SELECT * FROM seq_before',
  'before the backfill took an etag');

-- Some of a tracked table's triggers dropped by hand: the rest is stray.
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');
DROP TRIGGER _100_capture_update ON capture_test.items;
INSERT INTO capture_test.items VALUES (1), (2);
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.items', 'other_revision')$$, 'EL044',
  'table capture_test.items has capture triggers (_100_capture_delete, _100_capture_insert, _100_capture_revision, _100_capture_truncate) but is not tracked by track_table',
  'the triggers left of a tracking are refused');
SELECT results_eq('SELECT last_value, is_called FROM eventlog.events_etag_seq',
  $$SELECT last_value + 2, is_called FROM seq_before$$,
  'before anything was backfilled (only the two inserts took etags)');
SELECT lives_ok($$SELECT eventlog.untrack_table('capture_test.items')$$, 'untrack_table removes what is left, as the HINT says');

SELECT * FROM finish();
ROLLBACK;
