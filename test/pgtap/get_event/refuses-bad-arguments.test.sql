BEGIN;
SELECT plan(7);
SELECT eventlog_test.reset();

SELECT throws_ok($$SELECT eventlog.get_event(NULL::bigint)$$, '22004', 'after_etag must not be NULL', 'NULL after_etag');
SELECT throws_ok($$SELECT eventlog.get_event(-1)$$, '22023', 'after_etag must not be negative, got -1', 'a negative etag');
SELECT throws_ok($$SELECT eventlog.get_event(0, 0)$$, '22023', 'max_rows must be between 1 and 10000, got 0', 'max_rows 0');
SELECT throws_ok($$SELECT eventlog.get_event(0, -5)$$, '22023', 'max_rows must be between 1 and 10000, got -5', 'negative max_rows');
SELECT throws_ok($$SELECT eventlog.get_event(0, 10001)$$, '22023', 'max_rows must be between 1 and 10000, got 10001', 'max_rows too large');
SELECT throws_ok($$SELECT eventlog.get_event(0, NULL)$$, '22023', 'max_rows must be between 1 and 10000, got NULL', 'NULL max_rows');
SELECT throws_ok($$SELECT eventlog.get_event(987654321)$$, 'EL001', 'etag 987654321 is not in the log', 'an etag the log never had');

SELECT * FROM finish();
ROLLBACK;
