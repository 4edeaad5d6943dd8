-- How trusted code runs DDL the guard refuses (a conversion of an old log, set_partition_size):
-- as the owner, _begin_sanctioned_change('DDL', purpose) lets every DDL of the transaction through
-- until _end_sanctioned_change('DDL'); after it the guard refuses again. The permission is a row
-- in the owner-only sanctioned_changes, which our roles cannot write.
-- In an install by CREATE EXTENSION the default partition and the log are extension members,
-- so PostgreSQL itself refuses their drop first (2BP01, "extension pg_eventlog requires it").
BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();
SELECT eventlog.set_partition_size(100);
SELECT count(*) FROM eventlog.ensure_partitions(2);
CREATE TEMP TABLE parts AS
  SELECT inhrelid::regclass AS p FROM pg_inherits
  WHERE inhparent = 'eventlog.events'::regclass AND inhrelid <> 'eventlog.events_default'::regclass
  ORDER BY inhrelid::regclass::text;

SELECT eventlog._begin_sanctioned_change('DDL', 'pgTAP');
SELECT lives_ok(format('ALTER TABLE eventlog.events DETACH PARTITION %s', (SELECT p FROM parts ORDER BY p::text LIMIT 1)),
  'a sanctioned DDL may detach a partition');
SELECT lives_ok(format('DROP TABLE %s', (SELECT p FROM parts ORDER BY p::text LIMIT 1 OFFSET 1)),
  'and drop one');
SELECT lives_ok(format('ALTER TABLE %s DISABLE TRIGGER _100_check_append', (SELECT p FROM parts ORDER BY p::text LIMIT 1 OFFSET 2)),
  'every check of the guard is off meanwhile');
SELECT lives_ok(format('ALTER TABLE %s ENABLE ALWAYS TRIGGER _100_check_append', (SELECT p FROM parts ORDER BY p::text LIMIT 1 OFFSET 2)),
  'and the caller puts things back');
SELECT eventlog._end_sanctioned_change('DDL');
SELECT throws_ok('DROP TABLE eventlog.events_default', CASE WHEN (SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_eventlog')) THEN '2BP01' ELSE 'EL057' END, NULL, 'after _end_sanctioned_change the guard refuses again');
SELECT throws_ok(
  $$SELECT eventlog_test.run_as('eventlog_admin', $i$INSERT INTO eventlog.sanctioned_changes VALUES (pg_current_xact_id(), 'DDL', 'x')$i$)$$,
  '42501', NULL, 'our roles cannot write the permission');

SELECT * FROM finish();
ROLLBACK;
