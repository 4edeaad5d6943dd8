BEGIN;
SELECT plan(4);

SELECT ok(has_function_privilege('eventlog_writer', 'eventlog.append_to_stream(text, jsonb, integer, text)', 'EXECUTE'), 'writers can append to streams');
SELECT ok(has_function_privilege('eventlog_admin', 'eventlog.append_to_stream(text, jsonb, integer, text)', 'EXECUTE'), 'admins can append to streams');
SELECT ok(NOT has_function_privilege('eventlog_reader', 'eventlog.append_to_stream(text, jsonb, integer, text)', 'EXECUTE'), 'readers cannot');
SELECT ok(NOT has_table_privilege('eventlog_writer', 'eventlog.idempotency_keys', 'INSERT, UPDATE, DELETE'), 'writers cannot write idempotency keys around it');

SELECT * FROM finish();
ROLLBACK;
