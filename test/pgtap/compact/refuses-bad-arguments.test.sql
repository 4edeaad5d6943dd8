BEGIN;
SELECT plan(9);
SELECT eventlog_test.reset();
CREATE TEMP TABLE before AS SELECT (SELECT count(*) FROM eventlog.events) AS events, (SELECT row(p.*)::text FROM eventlog.compaction_progress AS p) AS progress;

SELECT throws_ok($$SELECT eventlog.compact(NULL)$$, '22004', 'revisions_older_than must not be NULL', 'NULL revisions_older_than');
SELECT throws_ok($$SELECT eventlog.compact('-1 day')$$, '22023', 'revisions_older_than must not be negative, got -1 days', 'a negative revisions_older_than');
SELECT throws_ok($$SELECT eventlog.compact('1 day', '-2 hours')$$, '22023', 'tombstones_older_than must not be negative, got -02:00:00', 'a negative tombstones_older_than');
SELECT throws_ok($$SELECT eventlog.compact('1 day', NULL, 0)$$, '22023', 'max_rows must be between 1 and 100000, got 0', 'max_rows 0');
SELECT throws_ok($$SELECT eventlog.compact('1 day', NULL, NULL)$$, '22023', 'max_rows must be between 1 and 100000, got NULL', 'NULL max_rows');
SELECT throws_ok($$SELECT eventlog.compact('1 day', NULL, 100001)$$, '22023', 'max_rows must be between 1 and 100000, got 100001', 'max_rows over 100000');
SELECT is(eventlog_test.hint_of($$SELECT eventlog.compact('-1 day')$$),
  'Pass an age such as interval ''7 days''; interval ''0'' removes every superseded revision.', 'with a hint');
SELECT is((SELECT count(*) FROM eventlog.events), (SELECT events FROM before), 'nothing was appended');
SELECT is((SELECT row(p.*)::text FROM eventlog.compaction_progress AS p), (SELECT progress FROM before), 'and the progress is unchanged');

SELECT * FROM finish();
ROLLBACK;
