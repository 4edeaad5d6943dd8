-- Uninstall drops the schema, and the log with it: the drop guard lets DROP SCHEMA eventlog
-- CASCADE through (the CLI's uninstall drops the event triggers first; this is the plain drop,
-- with them in place). Rolled back, as every file.
BEGIN;
SET LOCAL client_min_messages = warning; -- not the list of what the drop cascades to
SELECT plan(2);
SELECT eventlog_test.reset();
SELECT eventlog.log_event('{"n": 1}');
SELECT lives_ok('DROP SCHEMA eventlog CASCADE', 'DROP SCHEMA drops the log with the guards in place');
SELECT is(to_regclass('eventlog.events'), NULL, 'the log is gone');
SELECT * FROM finish();
ROLLBACK;
