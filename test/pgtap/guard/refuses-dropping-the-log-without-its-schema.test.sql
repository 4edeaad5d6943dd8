-- DROP TABLE eventlog.events (with CASCADE, which it needs) would drop every event, partitions and
-- all, and leave the schema behind: the drop guard refuses it (EL057). The log goes only with its
-- schema (uninstall) or its extension.
-- In an install by CREATE EXTENSION the default partition and the log are extension members,
-- so PostgreSQL itself refuses their drop first (2BP01, "extension pg_eventlog requires it").
BEGIN;
SET LOCAL client_min_messages = warning; -- not the list of what the drop cascades to
SELECT plan(2);
SELECT eventlog_test.reset();
SELECT eventlog.log_event('{"n": 1}');

SELECT throws_ok('DROP TABLE eventlog.events CASCADE', CASE WHEN (SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_eventlog')) THEN '2BP01' ELSE 'EL057' END,
  CASE WHEN (SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_eventlog')) THEN 'cannot drop table eventlog.events because extension pg_eventlog requires it'
       ELSE 'DROP TABLE would drop the event log eventlog.events and every event in it' END,
  'dropping the log by itself is refused');
SELECT is(eventlog_test.hint_of('DROP TABLE eventlog.events CASCADE'),
  CASE WHEN (SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_eventlog')) THEN 'You can drop extension pg_eventlog instead.'
       ELSE 'To remove pg-eventlog, uninstall it (npx pg-eventlog uninstall).' END, 'the hint says how to remove it');

SELECT * FROM finish();
ROLLBACK;
