BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();

-- Same cluster, earlier server start: what the clock row and _clock_offset() look like after a
-- restart (offset 5, to tell it from the fresh install's 0).
UPDATE eventlog.clock SET verified_start = '2000-01-01', xid_offset = 5;
SELECT eventlog._write_clock_offset(5, '2000-01-01');

SELECT is(
  (SELECT tx_order FROM eventlog.log_event('{"n": 1}')),
  pg_current_xact_id()::text::bigint + 5,
  'the position is the transaction id plus the unchanged offset'
);
SELECT is((SELECT verified_start FROM eventlog.clock), pg_postmaster_start_time(), 'the restart is recorded');
SELECT is((SELECT xid_offset FROM eventlog.clock), 5::bigint, 'the offset stays');
SELECT ok(
  pg_get_functiondef('eventlog._clock_offset()'::regprocedure) LIKE '%' || pg_postmaster_start_time()::text || '%',
  '_clock_offset() is rewritten for this server start, so later appends take the fast path'
);
SELECT is(eventlog._clock_offset(), 5::bigint, 'and it returns the unchanged offset');

SELECT * FROM finish();
ROLLBACK;
