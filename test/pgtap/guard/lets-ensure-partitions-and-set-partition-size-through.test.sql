-- Maintenance runs DDL on the log with the DDL guard in place: ensure_partitions creates and
-- attaches partitions, and set_partition_size drops the empty range partitions and makes them
-- again in the new size (a drop the guard lets through because the function sanctions it).
BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

SET LOCAL ROLE eventlog_admin;
SELECT lives_ok('SELECT eventlog.set_partition_size(100)', 'set_partition_size drops and remakes the empty partitions');
SELECT lives_ok('SELECT eventlog.set_partition_size(1000)', 'and again in another size');
RESET ROLE;
SELECT is(
  (SELECT count(*) FROM pg_inherits WHERE inhparent = 'eventlog.events'::regclass AND inhrelid <> 'eventlog.events_default'::regclass),
  3::bigint, 'the current range partition and two ahead are there');
SELECT count(*) FROM (SELECT eventlog.log_event('{"n": 1}') FROM generate_series(1, 1500)) AS x;
SET LOCAL ROLE eventlog_admin;
SELECT cmp_ok((SELECT count(*) FROM eventlog.ensure_partitions(2)), '>', 0::bigint,
  'ensure_partitions attaches new partitions past the writers');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
