BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();

-- now() minus the age would be before 4713 BC: refused as an argument, not with 22008 from the
-- arithmetic.
SELECT throws_ok($$SELECT eventlog.expire_idempotency_keys('178000000 years')$$, '22023',
  'older_than 178000000 years reaches before the first timestamp (4713 BC)', 'an age past the range');
SELECT is(eventlog_test.hint_of($$SELECT eventlog.expire_idempotency_keys('10000 years')$$),
  'Pass an age such as interval ''7 days''; any age of more than the keys'' lifetime expires them all.', 'with a hint');
SELECT is(eventlog.expire_idempotency_keys('6000 years'), 0::bigint, 'an age within the range is taken');

SELECT * FROM finish();
ROLLBACK;
