-- detach_partitions refuses a NULL or negative etag and a range that is not closed (the current
-- partition's never is); both it and reattach_partitions are for eventlog_admin only. Archiving
-- itself, with real transactions closing ranges, is in test/partitions/detach-and-reattach-partitions.
BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();
SELECT eventlog.set_partition_size(100);
SELECT count(*) FROM (SELECT eventlog.log_event('{"n": 1}') FROM generate_series(1, 150)) AS x;
SELECT count(*) FROM eventlog.ensure_partitions(1);

SELECT throws_ok($$SELECT * FROM eventlog.detach_partitions(NULL)$$, '22004', 'before_etag must not be NULL', 'NULL is refused');
SELECT throws_ok($$SELECT * FROM eventlog.detach_partitions(-5)$$, '22023', 'before_etag must not be negative, got -5', 'a negative etag is refused');
SELECT throws_ok(
  format('SELECT * FROM eventlog.detach_partitions(%s)', (pg_sequence_last_value('eventlog.events_etag_seq') / 100 + 1) * 100),
  'EL052', NULL,
  'archiving up to the end of the current partition is refused: its range is not closed');
SELECT ok(NOT has_function_privilege('eventlog_reader', 'eventlog.detach_partitions(bigint)', 'EXECUTE')
          AND NOT has_function_privilege('eventlog_writer', 'eventlog.detach_partitions(bigint)', 'EXECUTE')
          AND has_function_privilege('eventlog_admin', 'eventlog.detach_partitions(bigint)', 'EXECUTE'),
  'archiving is for eventlog_admin');
SELECT ok(has_function_privilege('eventlog_admin', 'eventlog.reattach_partitions()', 'EXECUTE')
          AND NOT has_function_privilege('eventlog_reader', 'eventlog.reattach_partitions()', 'EXECUTE'),
  'and so is reattaching');
SELECT * FROM finish();
ROLLBACK;
