-- Uninstall drops the schema, and the log with it: the drop guard lets DROP SCHEMA eventlog
-- CASCADE through (the CLI's uninstall drops the event triggers first; this is the plain drop,
-- with them in place). Rolled back, as every file.
-- In an install by CREATE EXTENSION the default partition and the log are extension members,
-- so PostgreSQL itself refuses their drop first (2BP01, "extension pg_eventlog requires it").
BEGIN;
SET LOCAL client_min_messages = warning; -- not the list of what the drop cascades to
SELECT plan(2);
SELECT eventlog_test.reset();
SELECT eventlog.log_event('{"n": 1}');
SELECT lives_ok(CASE WHEN (SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_eventlog')) THEN 'DROP EXTENSION pg_eventlog CASCADE' ELSE 'DROP SCHEMA eventlog CASCADE' END,
  'DROP SCHEMA (DROP EXTENSION for an extension install) drops the log with the guards in place');
SELECT is(to_regclass('eventlog.events'), NULL, 'the log is gone');
SELECT * FROM finish();
ROLLBACK;
