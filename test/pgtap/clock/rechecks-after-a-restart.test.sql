BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();

-- Same cluster, earlier server start: what the clock row looks like after a restart.
UPDATE eventlog.clock SET verified_start = '2000-01-01', xid_offset = 5;

SELECT is(
  (SELECT tx_order FROM eventlog.log_event('{"n": 1}')),
  pg_current_xact_id()::text::bigint + 5,
  'the position is the transaction id plus the unchanged offset'
);
SELECT is((SELECT verified_start FROM eventlog.clock), pg_postmaster_start_time(), 'the restart is recorded');
SELECT is((SELECT xid_offset FROM eventlog.clock), 5::bigint, 'the offset stays');

SELECT * FROM finish();
ROLLBACK;
