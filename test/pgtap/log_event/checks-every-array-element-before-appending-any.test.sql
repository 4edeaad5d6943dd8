BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

-- The etag sequence is not rolled back with the refused statement: an element appended before the
-- refusal would have moved it. (A row count after throws_ok could not tell.)
CREATE TEMP TABLE appended_before AS SELECT * FROM eventlog.log_event('{"before": true}');
CREATE TEMP TABLE seq_before AS SELECT last_value, is_called FROM eventlog.events_etag_seq;

SELECT throws_ok($$SELECT eventlog.log_event('[{"a": 1}, {"b": 2}, 3, {"d": 4}]')$$, '22023',
  'element 3 of the payload array is 3, not a JSON object', 'the third element is refused, by its position');
SELECT results_eq('SELECT last_value, is_called FROM eventlog.events_etag_seq', 'SELECT * FROM seq_before',
  'no element before it took an etag: the array was checked before the first insert');

SELECT throws_ok($$SELECT eventlog.log_event('[{"a": 1}, null, [2]]')$$, '22023',
  'element 2 of the payload array is null, not a JSON object', 'the first bad element is the one named');
SELECT results_eq('SELECT last_value, is_called FROM eventlog.events_etag_seq', 'SELECT * FROM seq_before',
  'nor for that one');

SELECT * FROM finish();
ROLLBACK;
