-- TRUNCATE fires no event trigger, so the DDL guard cannot see it; the statement guards every
-- partition carries refuse it instead (EL002): on the log, on a range partition, on the default
-- partition, with ONLY or CASCADE, and on a table detach_partitions archived (it stays append-only
-- until it is dumped and dropped).
BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();
SELECT eventlog.set_partition_size(100);
SELECT count(*) FROM (SELECT eventlog.log_event('{"n": 1}') FROM generate_series(1, 250)) AS x;
SELECT count(*) FROM eventlog.ensure_partitions(1);
CREATE TEMP TABLE part AS
  SELECT tableoid::regclass AS p FROM eventlog.events WHERE tableoid <> 'eventlog.events_default'::regclass ORDER BY etag LIMIT 1;

SELECT throws_ok('TRUNCATE eventlog.events', 'EL002', 'TRUNCATE on eventlog.events is refused: the event log is append-only',
  'TRUNCATE of the log is refused');
SELECT throws_ok(format('TRUNCATE %s', (SELECT p FROM part)), 'EL002',
  format('TRUNCATE on %s is refused: the event log is append-only', (SELECT p FROM part)),
  'so is TRUNCATE of a range partition, naming it');
SELECT throws_ok(format('TRUNCATE ONLY %s CASCADE', (SELECT p FROM part)), 'EL002', NULL, 'also with ONLY and CASCADE');
SELECT throws_ok('TRUNCATE eventlog.events_default', 'EL002', NULL, 'and of the default partition');

-- Close the ranges as maintenance would once every transaction that wrote them has ended (this
-- test is one open transaction, so it records them as closed itself), then archive the first.
UPDATE eventlog.partition_ranges AS r
SET max_tx_order = m.m, max_tx_order_so_far = m.m
FROM (SELECT max(tx_order) AS m FROM eventlog.events) AS m
WHERE r.to_etag <= (SELECT min(etag) / 100 * 100 + 200 FROM eventlog.events);
SELECT is((SELECT count(*) FROM eventlog.detach_partitions((SELECT min(etag) / 100 * 100 + 100 FROM eventlog.events))), 1::bigint,
  'detach_partitions archives the first range partition');
SELECT throws_ok(format('TRUNCATE %s', (SELECT p FROM part)), 'EL002', NULL, 'TRUNCATE of the archived table is refused');

SELECT * FROM finish();
ROLLBACK;
