BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');
INSERT INTO capture_test.items VALUES (1);

SELECT throws_ok($$TRUNCATE capture_test.items$$, 'EL043',
  'TRUNCATE of tracked table capture_test.items is refused: it would remove rows without recording their deletes',
  'TRUNCATE of a tracked table is refused');
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.items')$$, 'EL041',
  'table capture_test.items is already tracked', 'tracking a tracked table again is refused');

SELECT * FROM finish();
ROLLBACK;
