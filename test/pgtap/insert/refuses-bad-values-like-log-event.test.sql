BEGIN;
SELECT plan(10);
SELECT eventlog_test.reset();

-- The same refusals as log_event, with the same SQLSTATEs and messages, for a writer.
SET LOCAL ROLE eventlog_writer;
SELECT throws_ok($$INSERT INTO eventlog.events (payload) VALUES (NULL)$$, '22004', 'payload must not be NULL', 'a NULL payload');
SELECT throws_ok($$INSERT INTO eventlog.events (event_type) VALUES ('no-payload')$$, '22004', 'payload must not be NULL', 'no payload at all');
SELECT throws_ok($$INSERT INTO eventlog.events (payload) VALUES ('42')$$, '22023', 'payload 42 is a JSON number, not an object', 'a scalar payload');
SELECT throws_ok($$INSERT INTO eventlog.events (payload) VALUES ('[{"a": 1}]')$$, '22023', 'payload [{"a": 1}] is a JSON array, not an object', 'an array payload (one row is one event)');
SELECT throws_ok($$INSERT INTO eventlog.events (payload, metadata) VALUES ('{}', '"m"')$$, '22023', 'metadata "m" is a JSON string, not an object', 'metadata that is not an object');
SELECT throws_ok($$INSERT INTO eventlog.events (payload, event_type) VALUES ('{}', '')$$, '22023', 'event_type must not be empty', 'an empty event type');
SELECT throws_ok(
  $$INSERT INTO eventlog.events (payload, event_type) VALUES ('{}', E'bad\x7ftype')$$, '22023',
  E'event_type ''bad\\x7Ftype'' contains a control character',
  'an event type with DEL, shown escaped'
);
SELECT throws_ok(
  $$INSERT INTO eventlog.events (payload, stream) VALUES ('{}', repeat('s', 201))$$, '22023',
  'stream ''' || repeat('s', 100) || '''... is 201 characters long, over the limit of 200',
  'a stream over 200 characters'
);
SELECT throws_ok($$INSERT INTO eventlog.events (payload, stream) VALUES ('{}', E'a\nb')$$, '22023', E'stream ''a\\nb'' contains a control character', 'a stream with a newline, shown escaped');
-- One bad row refuses the whole statement, rows before it included.
SELECT throws_ok(
  $$INSERT INTO eventlog.events (payload) VALUES ('{"ok": 1}'), ('{"ok": 2}'), ('[3]')$$,
  '22023', 'payload [3] is a JSON array, not an object',
  'a multi-row INSERT with one bad row is refused'
);
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
