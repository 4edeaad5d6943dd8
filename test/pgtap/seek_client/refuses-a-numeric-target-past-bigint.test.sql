-- A numeric seek target (text) beyond bigint is refused with 22023 naming it, not by the cast's
-- own 22003 (issue 16's finding in docs/reliability.md); nothing moves.
BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();
SELECT count(*) FROM eventlog.get_event('billing', 1);

SELECT throws_ok($$SELECT eventlog.seek_client('billing', '9223372036854775808')$$, '22023',
  'seek target ''9223372036854775808'' is out of range: etags lie between 0 and 9223372036854775807',
  'a target past the largest bigint is refused, naming it');
SELECT throws_ok($$SELECT eventlog.seek_client('billing', '-99999999999999999999')$$, '22023',
  'seek target ''-99999999999999999999'' is out of range: etags lie between 0 and 9223372036854775807',
  'so is one below the smallest');
SELECT * FROM finish();
ROLLBACK;
