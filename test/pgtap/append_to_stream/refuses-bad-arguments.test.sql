BEGIN;
SELECT plan(22);
SELECT eventlog_test.reset();
DELETE FROM eventlog.idempotency_keys;

SELECT throws_ok($$SELECT eventlog.append_to_stream(NULL, '[{"type": "a", "payload": {}}]')$$,
  '22004', 'stream must not be NULL', 'NULL stream');
SELECT throws_ok($$SELECT eventlog.append_to_stream('', '[{"type": "a", "payload": {}}]')$$,
  '22023', 'stream must not be empty', 'empty stream');
SELECT throws_ok($$SELECT eventlog.append_to_stream(repeat('s', 201), '[{"type": "a", "payload": {}}]')$$,
  '22023', NULL, 'a stream over 200 characters');
SELECT throws_ok($$SELECT eventlog.append_to_stream(E'a\nb', '[{"type": "a", "payload": {}}]')$$,
  '22023', 'stream ''a\nb'' contains a control character', 'a stream with a control character, shown escaped');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', NULL)$$,
  '22004', 'events must not be NULL', 'NULL events');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', '{"type": "a", "payload": {}}')$$,
  '22023', 'events ''{"type": "a", "payload": {}}'' is a JSON object, not an array', 'an object instead of an array');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', '[]')$$,
  '22023', 'events is an empty array: there is no event to append to stream ''s''', 'an empty array');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', 'not json')$$,
  '22P02', NULL, 'text that is not JSON');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', '[{"type": "a", "payload": {}}, 7]')$$,
  '22023', 'element 2 of events is ''7'', not a JSON object', 'an element that is not an object');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', '[{"type": "a", "payload": {}}, {"type": "b"}, {"type": ""}]')$$,
  '22023', 'element 2 of events has no "payload"', 'the first bad element of several is named');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', '[{"type": "a", "payload": {}}, {"type": "b", "payload": {}, "meta": {}}]')$$,
  '22023', 'element 2 of events has the unknown key ''meta''', 'an unknown key in a later element');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', '[{"payload": {}}]')$$,
  '22023', 'element 1 of events has no "type"', 'a missing type');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', '[{"type": 5, "payload": {}}]')$$,
  '22023', 'element 1 of events has "type" ''5'', a JSON number, not a string', 'a type that is not a string');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', '[{"type": "", "payload": {}}]')$$,
  '22023', '"type" of element 1 of events must not be empty', 'an empty type');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', '[{"type": "a\u0007", "payload": {}}]')$$,
  '22023', '"type" of element 1 of events ''a\x07'' contains a control character', 'a type with a control character');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', '[{"type": "a"}]')$$,
  '22023', 'element 1 of events has no "payload"', 'a missing payload');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', '[{"type": "a", "payload": [1]}]')$$,
  '22023', 'element 1 of events has "payload" ''[1]'', a JSON array, not an object', 'a payload that is not an object');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', '[{"type": "a", "payload": {}, "metadata": "x"}]')$$,
  '22023', 'element 1 of events has "metadata" ''"x"'', a JSON string, not an object', 'metadata that is not an object');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', '[{"type": "a", "payload": {}, "data": {}}]')$$,
  '22023', 'element 1 of events has the unknown key ''data''', 'an unknown key');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', '[{"type": "a", "payload": {}}]', -1)$$,
  '22023', 'expected_version must not be negative, got -1', 'a negative expected version');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', '[{"type": "a", "payload": {}}]', NULL, '')$$,
  '22023', 'idempotency_key must not be empty', 'an empty idempotency key');
SELECT throws_ok($$SELECT eventlog.append_to_stream('s', '[{"type": "a", "payload": {}}]', NULL, repeat('k', 201))$$,
  '22023', NULL, 'an idempotency key over 200 characters');


SELECT * FROM finish();
ROLLBACK;
