-- The sanctioned way to take a range out of the log: detach_partitions records it in
-- archived_ranges and detaches it, which the DDL guard lets through (the table is recorded as
-- archived); reattach_partitions attaches it again. Both run as eventlog_admin.
BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();
SELECT eventlog.set_partition_size(100);
SELECT count(*) FROM (SELECT eventlog.log_event('{"n": 1}') FROM generate_series(1, 250)) AS x;
SELECT count(*) FROM eventlog.ensure_partitions(1);
CREATE TEMP TABLE first_range AS SELECT min(etag) / 100 * 100 AS lo FROM eventlog.events;
GRANT SELECT ON first_range TO eventlog_admin;
-- Closed as maintenance would once the writers' transactions ended (this test is one open transaction).
UPDATE eventlog.partition_ranges AS r
SET max_tx_order = m.m, max_tx_order_so_far = m.m
FROM (SELECT max(tx_order) AS m FROM eventlog.events) AS m
WHERE r.to_etag <= (SELECT lo + 200 FROM first_range);

CREATE TEMP TABLE expected AS
  SELECT eventlog._partition_name(lo + n * 100) AS partition_name, lo + n * 100 AS from_etag, lo + n * 100 + 100 AS to_etag
  FROM first_range, generate_series(0, 1) AS n;
GRANT SELECT ON expected TO eventlog_admin;

SET LOCAL ROLE eventlog_admin;
SELECT results_eq(
  format('SELECT partition_name, from_etag, to_etag FROM eventlog.detach_partitions(%s)', (SELECT lo + 200 FROM first_range)),
  'SELECT partition_name, from_etag, to_etag FROM expected ORDER BY from_etag',
  'detach_partitions archives the two closed range partitions');
RESET ROLE;
SELECT is(
  (SELECT count(*) FROM pg_inherits WHERE inhparent = 'eventlog.events'::regclass
     AND inhrelid IN (to_regclass('eventlog.' || eventlog._partition_name((SELECT lo FROM first_range))),
                      to_regclass('eventlog.' || eventlog._partition_name((SELECT lo + 100 FROM first_range))))),
  0::bigint, 'they are no longer partitions of the log');
SELECT is((SELECT count(*) FROM eventlog.archived_ranges WHERE from_etag >= (SELECT lo FROM first_range)), 2::bigint,
  'and are recorded as archived');

SET LOCAL ROLE eventlog_admin;
SELECT is((SELECT count(*) FROM eventlog.reattach_partitions()), 2::bigint, 'reattach_partitions attaches both again');
RESET ROLE;
SELECT is((SELECT count(*) FROM eventlog.events WHERE etag >= (SELECT lo FROM first_range)), 250::bigint,
  'and every event is back in the log');

SELECT * FROM finish();
ROLLBACK;
