BEGIN;
SELECT plan(5);
SELECT throws_ok($$SELECT * FROM eventlog.ensure_partitions(NULL)$$, '22004', 'ahead must not be NULL', 'NULL is refused');
SELECT throws_ok($$SELECT * FROM eventlog.ensure_partitions(-1)$$, '22023', 'ahead must be between 0 and 100, got -1', 'a negative count is refused');
SELECT throws_ok($$SELECT * FROM eventlog.ensure_partitions(101)$$, '22023', 'ahead must be between 0 and 100, got 101', 'more than 100 is refused');
SELECT throws_ok($$SELECT * FROM eventlog.ensure_partitions(1000)$$, '22023', 'ahead must be between 0 and 100, got 1000', 'and so is 1000');
SELECT ok(NOT has_function_privilege('eventlog_writer', 'eventlog.ensure_partitions(integer)', 'EXECUTE')
          AND has_function_privilege('eventlog_admin', 'eventlog.ensure_partitions(integer)', 'EXECUTE'),
  'maintenance is for eventlog_admin, not for writers');
SELECT * FROM finish();
ROLLBACK;
