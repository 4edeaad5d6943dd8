-- ALTER TABLE eventlog.events DETACH PARTITION by hand would take a range of events out of the log
-- with no record in archived_ranges, so readers would skip them without notice: the DDL guard
-- refuses it (EL056) for a range partition and for the default partition, naming the table and
-- pointing at detach_partitions/reattach_partitions.
BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();
SELECT eventlog.set_partition_size(100);
SELECT count(*) FROM (SELECT eventlog.log_event('{"n": 1}') FROM generate_series(1, 150)) AS x;
SELECT count(*) FROM eventlog.ensure_partitions(1);
CREATE TEMP TABLE part AS
  SELECT tableoid::regclass AS p FROM eventlog.events WHERE tableoid <> 'eventlog.events_default'::regclass ORDER BY etag LIMIT 1;

SELECT throws_ok(format('ALTER TABLE eventlog.events DETACH PARTITION %s', (SELECT p FROM part)), 'EL056',
  format('ALTER TABLE would detach %s from eventlog.events by hand: its events would leave the log unrecorded', (SELECT p FROM part)),
  'detaching a range partition with events by hand is refused, naming it');
SELECT is(eventlog_test.hint_of(format('ALTER TABLE eventlog.events DETACH PARTITION %s', (SELECT p FROM part))),
  'Archive closed ranges with SELECT * FROM eventlog.detach_partitions(before_etag), and attach them again with eventlog.reattach_partitions().',
  'the hint names detach_partitions and reattach_partitions');
SELECT throws_ok('ALTER TABLE eventlog.events DETACH PARTITION eventlog.events_default', 'EL056',
  'ALTER TABLE would detach eventlog.events_default from eventlog.events by hand: its events would leave the log unrecorded',
  'so is detaching the default partition');
SELECT throws_ok(
  format('ALTER TABLE eventlog.events DETACH PARTITION %s', (SELECT max(inhrelid::regclass::text) FROM pg_inherits WHERE inhparent = 'eventlog.events'::regclass AND inhrelid <> 'eventlog.events_default'::regclass)),
  'EL056', NULL,
  'and detaching an empty range partition ahead of the writers');

SELECT * FROM finish();
ROLLBACK;
