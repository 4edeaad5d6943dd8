BEGIN;
SELECT plan(6);

SELECT throws_ok($$SELECT eventlog.wait_for_log_end(NULL, 10, 1)$$, '22004', 'after_etag must not be NULL', 'a NULL etag');
SELECT throws_ok($$SELECT eventlog.wait_for_log_end(0, NULL, 1)$$, '22004', 'timeout_ms must not be NULL', 'a NULL timeout');
SELECT throws_ok($$SELECT eventlog.wait_for_log_end(0, 10, NULL)$$, '22004', 'interval_ms must not be NULL', 'a NULL interval');
SELECT throws_ok($$SELECT eventlog.wait_for_log_end(0, -1, 1)$$, '22023', 'timeout_ms must be between 0 and 60000, got -1', 'a negative timeout');
SELECT throws_ok($$SELECT eventlog.wait_for_log_end(0, 60001, 1)$$, '22023', 'timeout_ms must be between 0 and 60000, got 60001', 'a timeout over a minute');
SELECT throws_ok($$SELECT eventlog.wait_for_log_end(0, 10, 0)$$, '22023', 'interval_ms must be between 1 and 1000, got 0', 'an interval under a millisecond');

SELECT * FROM finish();
ROLLBACK;
