-- The log is a plain table today; once it is partitioned, enable_publication must publish it
-- through its root (publish_via_partition_root), or consumers would see each partition as a table
-- of its own and miss partitions created later. _publish_table takes the table as an argument, so
-- this shows the partitioned branch on a partitioned table of the test's own.
BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

CREATE TABLE eventlog_test.parted (etag bigint NOT NULL, payload jsonb) PARTITION BY RANGE (etag);
CREATE TABLE eventlog_test.parted_1 PARTITION OF eventlog_test.parted FOR VALUES FROM (1) TO (1000);

SELECT is(eventlog._publish_table('eventlog_test_parted', 'eventlog_test.parted'), true, 'the publication is created');
SELECT is(
  (SELECT (pubinsert, pubupdate, pubdelete, pubtruncate, pubviaroot)::text FROM pg_catalog.pg_publication WHERE pubname = 'eventlog_test_parted'),
  '(t,f,f,f,t)',
  'inserts only, through the partition root'
);
CREATE TABLE eventlog_test.parted_2 PARTITION OF eventlog_test.parted FOR VALUES FROM (1000) TO (2000);
SELECT is(
  ARRAY(SELECT schemaname || '.' || tablename FROM pg_catalog.pg_publication_tables WHERE pubname = 'eventlog_test_parted'),
  ARRAY['eventlog_test.parted'],
  'consumers see the root only, also after a new partition'
);

ALTER PUBLICATION eventlog_test_parted SET (publish_via_partition_root = false);
SELECT eventlog._publish_table('eventlog_test_parted', 'eventlog_test.parted');
SELECT is(
  (SELECT pubviaroot FROM pg_catalog.pg_publication WHERE pubname = 'eventlog_test_parted'),
  true,
  'a repair puts publish_via_partition_root back'
);

SELECT * FROM finish();
ROLLBACK;
