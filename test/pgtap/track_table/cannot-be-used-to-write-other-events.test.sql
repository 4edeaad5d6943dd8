BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');

-- An admin who owns another table puts the capture trigger on it by hand, with the arguments of
-- the tracked table, to write into that table's streams.
CREATE ROLE capture_mallory IN ROLE eventlog_admin;
CREATE TABLE capture_test.fake (id integer PRIMARY KEY, revision integer);
ALTER TABLE capture_test.fake OWNER TO capture_mallory;
GRANT USAGE ON SCHEMA capture_test TO capture_mallory;
SET LOCAL ROLE capture_mallory;
CREATE TRIGGER forge AFTER INSERT ON capture_test.fake REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION eventlog.tg_tracked__log_changes('capture_test.items:', 'revision', 'id');
RESET ROLE;

SELECT throws_ok($$INSERT INTO capture_test.fake VALUES (7, 1)$$, 'EL044',
  'trigger forge on capture_test.fake does not match a table tracked by track_table',
  'the capture trigger refuses to run on a table it was not put on by track_table');

-- The same trigger with other arguments on the tracked table itself.
DROP TRIGGER forge ON capture_test.fake;
CREATE TRIGGER forge AFTER INSERT ON capture_test.items REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION eventlog.tg_tracked__log_changes('capture_test.other:', 'revision', 'id');
SELECT throws_ok($$INSERT INTO capture_test.items VALUES (7)$$, 'EL044',
  'trigger forge on capture_test.items does not match a table tracked by track_table',
  'nor with arguments that are not the table''s');

SELECT ok(NOT has_function_privilege('eventlog_writer', 'eventlog.tg_tracked__log_changes()', 'EXECUTE')
  AND NOT has_function_privilege('eventlog_reader', 'eventlog.tg_tracked__log_changes()', 'EXECUTE'),
  'writers and readers cannot even attach the trigger function');

SELECT * FROM finish();
ROLLBACK;
