BEGIN;
SELECT plan(3);

SELECT ok(has_function_privilege('eventlog_admin', 'eventlog.forget(text, text[], text[])', 'EXECUTE'), 'admins can forget');
SELECT ok(NOT has_function_privilege('eventlog_writer', 'eventlog.forget(text, text[], text[])', 'EXECUTE'), 'writers cannot');
SELECT ok(NOT has_function_privilege('eventlog_reader', 'eventlog.forget(text, text[], text[])', 'EXECUTE'), 'readers cannot');

SELECT * FROM finish();
ROLLBACK;
