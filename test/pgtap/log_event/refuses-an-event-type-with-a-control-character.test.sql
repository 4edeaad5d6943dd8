BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();

SELECT throws_ok($$SELECT eventlog.log_event('{}', E'item\nadded')$$, '22023',
  E'event_type ''item\\nadded'' contains a control character', 'a newline, shown escaped');
SELECT throws_ok($$SELECT eventlog.log_event('{}', E'item\x7fadded')$$, '22023',
  E'event_type ''item\\x7Fadded'' contains a control character', 'DEL, shown escaped');
SELECT throws_ok($$SELECT eventlog.log_event('[{"n": 1}, {"n": 2}]', E'\tindented')$$, '22023',
  E'event_type ''\\tindented'' contains a control character', 'a tab, for an array append too');

SELECT * FROM finish();
ROLLBACK;
