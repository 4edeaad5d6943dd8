-- docs/capture.md: after a key or revision column is renamed, the capture triggers refuse the next
-- change with EL044 naming the column (the statement trigger finds out after appending, from an
-- event without a stream or without a revision; the refusal undoes the statement with its appends).
BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY, item text);
CREATE TABLE capture_test.lines (order_id integer, line integer, PRIMARY KEY (order_id, line));
SELECT FROM eventlog.track_table('capture_test.items');
SELECT FROM eventlog.track_table('capture_test.lines');
INSERT INTO capture_test.items VALUES (1, 'tea');

ALTER TABLE capture_test.items RENAME COLUMN revision TO rev;
SELECT throws_ok($$INSERT INTO capture_test.items VALUES (2, 'cup')$$, 'EL044',
  'tracked table capture_test.items has no column(s) revision any more', 'an insert after the revision column was renamed');
SELECT throws_ok($$UPDATE capture_test.items SET item = 'green tea'$$, 'EL044',
  'tracked table capture_test.items has no column(s) revision any more', 'an update too');
ALTER TABLE capture_test.items RENAME COLUMN rev TO revision;

ALTER TABLE capture_test.items RENAME COLUMN id TO item_id;
SELECT throws_ok($$UPDATE capture_test.items SET item = 'green tea'$$, 'EL044',
  'tracked table capture_test.items has no column(s) id any more', 'an update after the key column was renamed');
SELECT throws_ok($$DELETE FROM capture_test.items$$, 'EL044',
  'tracked table capture_test.items has no column(s) id any more', 'a delete too');

ALTER TABLE capture_test.lines RENAME COLUMN line TO line_no;
SELECT throws_ok($$INSERT INTO capture_test.lines VALUES (1, 1)$$, 'EL044',
  'primary key column line is missing from the row', 'a composite key with a renamed column');

SELECT * FROM finish();
ROLLBACK;
