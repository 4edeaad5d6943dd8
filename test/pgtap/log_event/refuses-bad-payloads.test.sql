BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();

SELECT throws_ok($$SELECT eventlog.log_event(NULL)$$, '22004', 'payload must not be NULL', 'NULL payload');
SELECT throws_ok($$SELECT eventlog.log_event('42')$$, '22023', 'payload 42 is a JSON number, not an object', 'a scalar');
SELECT throws_ok($$SELECT eventlog.log_event('"text"')$$, '22023', 'payload "text" is a JSON string, not an object', 'a string');
SELECT throws_ok($$SELECT eventlog.log_event('[]')$$, '22023', 'payload is an empty array: there is no event to append', 'an empty array');
SELECT throws_ok($$SELECT eventlog.log_event('[{"a": 1}, [2]]')$$, '22023', 'element 2 of the payload array is [2], not a JSON object', 'an array element that is not an object');
SELECT throws_ok($$SELECT eventlog.log_event('{not json')$$, '22P02', NULL, 'text that is not JSON');

SELECT * FROM finish();
ROLLBACK;
