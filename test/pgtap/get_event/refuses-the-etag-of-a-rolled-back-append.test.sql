BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();

SELECT eventlog_test.append_committed(10, '[{"n": 1}]');
-- An append that rolls back takes an etag that never enters the log; currval survives the rollback.
SAVEPOINT append;
SELECT count(*) FROM eventlog.log_event('{"gone": true}');
ROLLBACK TO SAVEPOINT append;
CREATE TEMP TABLE gone AS SELECT currval(pg_get_serial_sequence('eventlog.events', 'etag')) AS etag;

SELECT is(
  (SELECT count(*) FROM eventlog.events WHERE etag = (SELECT etag FROM gone)),
  0::bigint,
  'setup: the rolled-back append''s etag is not in the log'
);
SELECT throws_ok(
  format('SELECT * FROM eventlog.get_event(%s)', (SELECT etag FROM gone)),
  'EL001', format('etag %s is not in the log', (SELECT etag FROM gone)),
  'resuming after it is refused'
);

SELECT * FROM finish();
ROLLBACK;
