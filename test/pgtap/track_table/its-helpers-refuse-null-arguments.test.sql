BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();

-- The helpers are granted to eventlog_admin (track_table runs with the caller's rights), so a
-- direct call with NULL gets the same refusal as track_table's, not a lookup of table <NULL> or a
-- NOT NULL violation after the insert into tracked_tables.
CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);

SELECT throws_ok($$SELECT eventlog._check_trackable(NULL, 'revision')$$, '22004', 'tbl must not be NULL', '_check_trackable: NULL table');
SELECT throws_ok($$SELECT eventlog._check_trackable('capture_test.items', NULL)$$, '22004', 'revision_column must not be NULL', '_check_trackable: NULL revision column');
SELECT throws_ok($$SELECT eventlog._check_trackable('capture_test.items', '')$$, '22023', 'revision_column must not be empty', '_check_trackable: empty revision column');
SELECT throws_ok($$SELECT eventlog._register_tracked_table(NULL, 'revision')$$, '22004', 'tbl must not be NULL', '_register_tracked_table: NULL table');
SELECT throws_ok($$SELECT eventlog._register_tracked_table('capture_test.items', NULL)$$, '22004', 'revision_column must not be NULL', '_register_tracked_table: NULL revision column, refused before the insert');
SELECT throws_ok($$SELECT eventlog._unregister_tracked_table(NULL)$$, '22004', 'tbl must not be NULL', '_unregister_tracked_table: NULL table');

SELECT * FROM finish();
ROLLBACK;
