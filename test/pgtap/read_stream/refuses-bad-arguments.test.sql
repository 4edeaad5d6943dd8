BEGIN;
SELECT plan(7);

SELECT throws_ok($$SELECT * FROM eventlog.read_stream(NULL)$$, '22004', 'stream must not be NULL', 'NULL stream');
SELECT throws_ok($$SELECT * FROM eventlog.read_stream('')$$, '22023', 'stream must not be empty', 'empty stream');
SELECT throws_ok($$SELECT * FROM eventlog.read_stream('s', NULL)$$, '22004', 'after_version must not be NULL', 'NULL after_version');
SELECT throws_ok($$SELECT * FROM eventlog.read_stream('s', -1)$$, '22023', 'after_version must not be negative, got -1', 'negative after_version');
SELECT throws_ok($$SELECT * FROM eventlog.read_stream('s', 0, 0)$$, '22023', 'max_rows must be between 1 and 10000, got 0', 'max_rows 0');
SELECT throws_ok($$SELECT * FROM eventlog.read_stream('s', 0, 10001)$$, '22023', 'max_rows must be between 1 and 10000, got 10001', 'max_rows over 10000');
SELECT throws_ok($$SELECT * FROM eventlog.read_stream('s', 0, NULL)$$, '22023', 'max_rows must be between 1 and 10000, got NULL', 'NULL max_rows');

SELECT * FROM finish();
ROLLBACK;
