-- Setting the partition size to the size it already has changes nothing and succeeds, also once
-- range partitions hold events (a maintenance script may set it on every run); any other size is
-- then refused (refuses-once-range-partitions-hold-events).
BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();
SELECT eventlog.ensure_partitions();
SELECT count(*) FROM eventlog.log_event('{"n": 1}');
SELECT is(eventlog.set_partition_size(eventlog._partition_size()), eventlog._partition_size(), 'its own size is accepted');
SELECT is((SELECT count(*) FROM eventlog.events WHERE payload = '{"n": 1}'), 1::bigint, 'and the event stays where it was');
SELECT * FROM finish();
ROLLBACK;
