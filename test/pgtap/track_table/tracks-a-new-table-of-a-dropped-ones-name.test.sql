BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');
INSERT INTO capture_test.items VALUES (1);
DROP TABLE capture_test.items;

-- A new table under the old name, with the old table's streams still in the log.
CREATE TABLE capture_test.items (id integer PRIMARY KEY, label text);
INSERT INTO capture_test.items VALUES (1, 'tea');
SELECT lives_ok($$SELECT eventlog.track_table('capture_test.items')$$,
  'a table dropped while tracked does not keep its name''s stream prefix taken');
SELECT is((SELECT count(*) FROM eventlog.tracked_tables WHERE stream_prefix = 'capture_test.items:'), 1::bigint,
  'one registration for the prefix, the new table''s');
SELECT is((SELECT revision FROM capture_test.items WHERE id = 1), 2,
  'the new row 1 continues the stream of the old row 1');

SELECT * FROM finish();
ROLLBACK;
