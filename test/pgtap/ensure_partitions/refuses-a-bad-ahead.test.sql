BEGIN;
SELECT plan(4);
SELECT throws_ok($$SELECT * FROM eventlog.ensure_partitions(NULL)$$, '22004', 'ahead must not be NULL', 'NULL is refused');
SELECT throws_ok($$SELECT * FROM eventlog.ensure_partitions(-1)$$, '22023', 'ahead must be between 0 and 1000, got -1', 'a negative count is refused');
SELECT throws_ok($$SELECT * FROM eventlog.ensure_partitions(1001)$$, '22023', 'ahead must be between 0 and 1000, got 1001', 'too many is refused');
SELECT ok(NOT has_function_privilege('eventlog_writer', 'eventlog.ensure_partitions(integer)', 'EXECUTE')
          AND has_function_privilege('eventlog_admin', 'eventlog.ensure_partitions(integer)', 'EXECUTE'),
  'maintenance is for eventlog_admin, not for writers');
SELECT * FROM finish();
ROLLBACK;
