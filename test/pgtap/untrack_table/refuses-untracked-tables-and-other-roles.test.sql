BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
CREATE TABLE capture_test.tracked (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.tracked');
CREATE ROLE capture_other_admin IN ROLE eventlog_admin;
GRANT USAGE ON SCHEMA capture_test TO capture_other_admin;

SELECT throws_ok($$SELECT eventlog.untrack_table('capture_test.items')$$, 'EL042',
  'table capture_test.items is not tracked', 'a table that is not tracked is refused');
SELECT throws_ok($$SELECT eventlog.untrack_table(NULL)$$, '22004', 'tbl must not be NULL', 'NULL is refused');
SELECT throws_ok($$SET LOCAL ROLE capture_other_admin; SELECT eventlog.untrack_table('capture_test.tracked')$$, '42501',
  'must be the owner of table capture_test.tracked to untrack it', 'an admin who does not own the table cannot untrack it');
RESET ROLE;
SELECT is((SELECT count(*) FROM pg_catalog.pg_trigger WHERE tgrelid = 'capture_test.tracked'::regclass), 5::bigint,
  'its capture triggers stay');

SELECT * FROM finish();
ROLLBACK;
