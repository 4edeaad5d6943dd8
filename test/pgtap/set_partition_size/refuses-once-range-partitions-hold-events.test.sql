BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();
SELECT throws_ok($$SELECT eventlog.set_partition_size(NULL)$$, '22023', 'size must be between 16 and 1000000000000 etags, got NULL', 'NULL is refused');
SELECT throws_ok($$SELECT eventlog.set_partition_size(15)$$, '22023', 'size must be between 16 and 1000000000000 etags, got 15', 'a tiny size is refused');
SELECT is(eventlog.set_partition_size(1000), 1000::bigint, 'an empty log takes a new size');
SELECT is(eventlog._partition_size(), 1000::bigint, 'and the append path sees it');
SELECT eventlog.log_event('{}');
SELECT throws_ok($$SELECT eventlog.set_partition_size(500)$$, 'EL050',
  'the partition size stays 1000: range partitions of eventlog.events hold events',
  'once an event is in a range partition, the size is fixed');
SELECT * FROM finish();
ROLLBACK;
