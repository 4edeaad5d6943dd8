-- get_changes(tbl, '9223372036854775808'): text that reads as an etag is read by position, and one
-- past bigint is refused with 22023 naming it (0059), as get_event does, not by the cast's 22003.
BEGIN;
SELECT plan(2);
CREATE TABLE public.accounts (id integer PRIMARY KEY, balance integer NOT NULL);
SELECT eventlog.track_table('public.accounts');
SELECT throws_ok($$SELECT * FROM eventlog.get_changes('public.accounts', '9223372036854775808', 10)$$, '22023',
  'after_etag ''9223372036854775808'' is out of range: etags lie between 0 and 9223372036854775807',
  'a text etag past the largest bigint is refused, naming it');
SELECT throws_ok($$SELECT * FROM eventlog.get_changes('public.accounts', '-99999999999999999999', 10)$$, '22023',
  'after_etag ''-99999999999999999999'' is out of range: etags lie between 0 and 9223372036854775807',
  'and so is one below the smallest');
SELECT * FROM finish();
ROLLBACK;
