BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
INSERT INTO capture_test.items VALUES (1);
SELECT FROM eventlog.track_table('capture_test.items');
INSERT INTO capture_test.items VALUES (2);

SELECT is((SELECT count(*) FROM eventlog.events WHERE stream LIKE 'capture_test.items:%'), 2::bigint,
  'this transaction has logged two changes');
SELECT is((SELECT count(*) FROM eventlog.get_changes('capture_test.items')), 0::bigint,
  'get_changes does not return changes of a transaction that is still open, the caller''s own included');

SELECT * FROM finish();
ROLLBACK;
