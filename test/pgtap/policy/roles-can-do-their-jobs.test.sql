BEGIN;
SELECT plan(7);

SELECT has_role('eventlog_writer', 'the writer role exists');
SELECT has_role('eventlog_reader', 'the reader role exists');
SELECT has_role('eventlog_admin', 'the admin role exists');
SELECT ok(has_function_privilege('eventlog_writer', 'eventlog.log_event(jsonb, text, text, jsonb)', 'EXECUTE'), 'writers can append');
SELECT ok(NOT has_function_privilege('eventlog_reader', 'eventlog.log_event(jsonb, text, text, jsonb)', 'EXECUTE'), 'readers cannot append');
SELECT ok(has_function_privilege('eventlog_reader', 'eventlog.get_event(bigint, integer)', 'EXECUTE'), 'readers can read');
SELECT ok(NOT has_table_privilege('eventlog_writer', 'eventlog.events', 'INSERT'), 'writers cannot insert around log_event');

SELECT * FROM finish();
ROLLBACK;
