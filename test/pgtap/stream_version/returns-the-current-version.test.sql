BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();

SELECT is(eventlog.stream_version('account-9'), 0, 'a stream without events is at version 0');
SELECT eventlog.append_to_stream('account-9', '[{"type": "a", "payload": {}}, {"type": "b", "payload": {}}]');
SELECT is(eventlog.stream_version('account-9'), 2, 'after two events it is at version 2');
SELECT eventlog.log_event('{}', 'c', 'account-9');
SELECT is(eventlog.stream_version('account-9'), 3, 'log_event moves it too');
SELECT throws_ok($$SELECT eventlog.stream_version(NULL)$$, '22004', 'stream must not be NULL', 'NULL stream');
SELECT throws_ok($$SELECT eventlog.stream_version('')$$, '22023', 'stream must not be empty', 'empty stream');

SELECT * FROM finish();
ROLLBACK;
