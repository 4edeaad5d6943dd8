-- get_event('9223372036854775808'): text that reads as an etag is read by position, and one past
-- bigint is refused with 22023 naming it, not by the cast's own 22003.
BEGIN;
SELECT plan(1);
SELECT throws_ok($$SELECT * FROM eventlog.get_event('9223372036854775808', 10)$$, '22023',
  'after_etag ''9223372036854775808'' is out of range: etags lie between 0 and 9223372036854775807',
  'an untyped etag past the largest bigint is refused, naming it');
SELECT * FROM finish();
ROLLBACK;
