BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();

-- now() minus the age would be before 4713 BC: refused as an argument, not with 22008 from the
-- arithmetic.
SELECT throws_ok($$SELECT eventlog.compact('178000000 years')$$, '22023',
  'revisions_older_than 178000000 years reaches before the first timestamp (4713 BC)', 'revisions_older_than past the range');
SELECT throws_ok($$SELECT eventlog.compact('1 day', '10000 years')$$, '22023',
  'tombstones_older_than 10000 years reaches before the first timestamp (4713 BC)', 'tombstones_older_than past the range');
SELECT lives_ok($$SELECT eventlog.compact('6000 years', '6000 years')$$, 'an age within the range is taken');

SELECT * FROM finish();
ROLLBACK;
