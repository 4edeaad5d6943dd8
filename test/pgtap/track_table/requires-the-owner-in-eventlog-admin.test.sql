BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
CREATE ROLE capture_other_admin IN ROLE eventlog_admin;
GRANT USAGE ON SCHEMA capture_test TO capture_other_admin;
CREATE ROLE capture_writer IN ROLE eventlog_writer;
GRANT USAGE ON SCHEMA capture_test TO capture_writer;

SELECT throws_ok($$SET LOCAL ROLE capture_other_admin; SELECT eventlog.track_table('capture_test.items')$$, '42501',
  'must be the owner of table capture_test.items to track it', 'an admin who does not own the table cannot track it');
RESET ROLE;
SELECT throws_ok($$SET LOCAL ROLE capture_writer; SELECT eventlog.track_table('capture_test.items')$$, '42501',
  'permission denied for function track_table', 'a writer cannot track tables');
RESET ROLE;
SELECT is((SELECT count(*) FROM eventlog.tracked_tables WHERE tbl = 'capture_test.items'::regclass), 0::bigint,
  'nothing was tracked');

SELECT * FROM finish();
ROLLBACK;
