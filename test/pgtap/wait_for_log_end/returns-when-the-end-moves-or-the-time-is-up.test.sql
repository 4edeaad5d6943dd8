BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

CREATE TEMP TABLE committed AS SELECT * FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}]') AS etag;

CREATE TEMP TABLE t0 AS SELECT clock_timestamp() AS at;
SELECT is(eventlog.wait_for_log_end(0, 5000, 1), (SELECT max(etag) FROM committed), 'an end other than the one given comes back at once …');
SELECT ok(clock_timestamp() - (SELECT at FROM t0) < interval '2 seconds', '… without waiting for the timeout');

UPDATE t0 SET at = clock_timestamp();
SELECT is(eventlog.wait_for_log_end((SELECT max(etag) FROM committed), 200, 10), (SELECT max(etag) FROM committed),
  'an unchanged end comes back after the timeout');
SELECT ok(clock_timestamp() - (SELECT at FROM t0) >= interval '200 milliseconds', 'having waited the whole timeout');

SELECT * FROM finish();
ROLLBACK;
