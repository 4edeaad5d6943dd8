BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();

CREATE ROLE capture_app;
CREATE SCHEMA capture_test AUTHORIZATION capture_app;
SET LOCAL ROLE capture_app;
CREATE TABLE capture_test.items (id integer PRIMARY KEY, label text NOT NULL);
RESET ROLE;
-- The owner tracks it once, as a member of eventlog_admin, then loses that membership.
GRANT eventlog_admin TO capture_app;
SET LOCAL ROLE capture_app;
SELECT FROM eventlog.track_table('capture_test.items');
RESET ROLE;
REVOKE eventlog_admin FROM capture_app;

SELECT ok(NOT pg_has_role('capture_app', 'eventlog_writer', 'MEMBER') AND NOT pg_has_role('capture_app', 'eventlog_reader', 'MEMBER')
  AND NOT has_schema_privilege('capture_app', 'eventlog', 'USAGE'),
  'the owner has no role and no rights on the log');

SET LOCAL ROLE capture_app;
INSERT INTO capture_test.items VALUES (1, 'tea'), (2, 'cup');
UPDATE capture_test.items SET label = 'mug' WHERE id = 2;
DELETE FROM capture_test.items WHERE id = 1;
RESET ROLE;

SELECT results_eq(
  $$SELECT event_type, stream, version FROM eventlog.events WHERE stream LIKE 'capture_test.items:%' ORDER BY etag$$,
  $$VALUES ('insert', 'capture_test.items:1', 1), ('insert', 'capture_test.items:2', 1),
           ('update', 'capture_test.items:2', 2), ('delete', 'capture_test.items:1', 2)$$,
  'its inserts, updates and deletes are logged'
);
SELECT throws_ok($$SET LOCAL ROLE capture_app; INSERT INTO eventlog.events (payload) VALUES ('{}')$$, '42501',
  NULL, 'it still cannot append to the log itself');
RESET ROLE;
SELECT throws_ok($$SET LOCAL ROLE capture_app; SELECT eventlog.untrack_table('capture_test.items')$$, '42501',
  NULL, 'nor untrack without eventlog_admin');
RESET ROLE;

-- A writer of the table who is not its owner.
CREATE ROLE capture_clerk;
GRANT USAGE ON SCHEMA capture_test TO capture_clerk;
GRANT INSERT, UPDATE ON capture_test.items TO capture_clerk;
SET LOCAL ROLE capture_clerk;
INSERT INTO capture_test.items VALUES (3, 'pot');
RESET ROLE;
SELECT is((SELECT version FROM eventlog.events WHERE stream = 'capture_test.items:3'), 1,
  'changes by any role that may write the table are logged');
SELECT is((SELECT revision FROM capture_test.items WHERE id = 3), 1, 'and carry their revision');

SELECT * FROM finish();
ROLLBACK;
