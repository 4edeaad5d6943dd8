BEGIN;
SELECT plan(7);
SELECT eventlog_test.reset();

-- Simulate a restore from a cluster whose transaction ids ran far ahead of this one: restored
-- events sit at a position no transaction id here reaches, and the clock row names a cluster
-- that is not this one.
SELECT eventlog_test.append_committed(900000000000, '[{"restored": 1}, {"restored": 2}]');
UPDATE eventlog.clock SET system_identifier = 42, verified_start = '2000-01-01', xid_offset = 0;
-- A restored _clock_offset() carries the constants of the old cluster as well.
SELECT eventlog._write_clock_offset(0, '2000-01-01');

SELECT is(eventlog._read_horizon(), NULL, 'before any append here, readers see every restored event');

CREATE TEMP TABLE appended AS SELECT * FROM eventlog.log_event('{"after_restore": true}');

SELECT cmp_ok((SELECT tx_order FROM appended), '>', 900000000000::bigint, 'the first append lands after every restored event');
SELECT is(
  (SELECT system_identifier FROM eventlog.clock),
  (pg_control_system()).system_identifier,
  'the clock now names this cluster'
);
SELECT is((SELECT verified_start FROM eventlog.clock), pg_postmaster_start_time(), 'and is verified for this server start');
SELECT cmp_ok(
  (SELECT tx_order FROM eventlog.log_event('{"later": true}')),
  '>=', (SELECT tx_order FROM appended),
  'later appends keep using the moved clock'
);
SELECT is(eventlog._clock_offset(), (SELECT xid_offset FROM eventlog.clock), 'the moved offset is written into _clock_offset()');
SET LOCAL ROLE eventlog_writer;
INSERT INTO eventlog.events (payload) VALUES ('{"plain_insert": true}');
RESET ROLE;
SELECT cmp_ok(
  (SELECT tx_order FROM eventlog.events WHERE payload = '{"plain_insert": true}'),
  '>', 900000000000::bigint,
  'a plain INSERT lands after every restored event too'
);

SELECT * FROM finish();
ROLLBACK;
