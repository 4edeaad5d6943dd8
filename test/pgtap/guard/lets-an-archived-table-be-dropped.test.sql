-- Cold storage: a table detach_partitions archived is no partition of the log any more, and the
-- drop guard lets it be dropped (after pg_dump -t). Its range stays recorded, so readers
-- positioned there are still told (EL051), and reattach_partitions passes over it with a notice.
BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
SELECT eventlog.set_partition_size(100);
SELECT count(*) FROM (SELECT eventlog.log_event('{"n": 1}') FROM generate_series(1, 150)) AS x;
SELECT count(*) FROM eventlog.ensure_partitions(1);
CREATE TEMP TABLE first_range AS SELECT min(etag) / 100 * 100 AS lo FROM eventlog.events;
UPDATE eventlog.partition_ranges AS r
SET max_tx_order = m.m, max_tx_order_so_far = m.m
FROM (SELECT max(tx_order) AS m FROM eventlog.events) AS m
WHERE r.to_etag <= (SELECT lo + 100 FROM first_range);
SELECT count(*) FROM eventlog.detach_partitions((SELECT lo + 100 FROM first_range));

SELECT lives_ok(format('DROP TABLE eventlog.%I', eventlog._partition_name((SELECT lo FROM first_range))),
  'dropping the archived table is allowed');
SELECT is((SELECT count(*) FROM eventlog.archived_ranges WHERE from_etag = (SELECT lo FROM first_range)), 1::bigint,
  'its range stays recorded as archived');
SELECT is((SELECT count(*) FROM eventlog.reattach_partitions()), 0::bigint, 'reattach_partitions has nothing to attach');

SELECT * FROM finish();
ROLLBACK;
