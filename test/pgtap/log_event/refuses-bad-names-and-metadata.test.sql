BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();

SELECT throws_ok($$SELECT eventlog.log_event('{}', '')$$, '22023', 'event_type must not be empty', 'an empty event type');
SELECT throws_ok(
  $$SELECT eventlog.log_event('{}', repeat('t', 201))$$, '22023',
  'event_type ''' || repeat('t', 100) || '''... is 201 characters long, over the limit of 200',
  'an event type over 200 characters'
);
SELECT throws_ok($$SELECT eventlog.log_event('{}', 'ok', E'a\tb')$$, '22023', E'stream ''a\\tb'' contains a control character', 'a stream with a control character, shown escaped');
SELECT throws_ok($$SELECT eventlog.log_event('{}', 'ok', '')$$, '22023', 'stream must not be empty', 'an empty stream');
SELECT throws_ok($$SELECT eventlog.log_event('{}', 'ok', NULL, '[1]')$$, '22023', 'metadata [1] is a JSON array, not an object', 'metadata that is not an object');

SELECT * FROM finish();
ROLLBACK;
