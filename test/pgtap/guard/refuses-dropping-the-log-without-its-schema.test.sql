-- DROP TABLE eventlog.events (with CASCADE, which it needs) would drop every event, partitions and
-- all, and leave the schema behind: the drop guard refuses it (EL057). The log goes only with its
-- schema (uninstall) or its extension.
BEGIN;
SET LOCAL client_min_messages = warning; -- not the list of what the drop cascades to
SELECT plan(2);
SELECT eventlog_test.reset();
SELECT eventlog.log_event('{"n": 1}');

SELECT throws_ok('DROP TABLE eventlog.events CASCADE', 'EL057',
  'DROP TABLE would drop the event log eventlog.events and every event in it',
  'dropping the log by itself is refused');
SELECT is(eventlog_test.hint_of('DROP TABLE eventlog.events CASCADE'),
  'To remove pg-eventlog, uninstall it (npx pg-eventlog uninstall).', 'the hint says how to remove it');

SELECT * FROM finish();
ROLLBACK;
