-- DROP TABLE of a partition of the log drops its events with it: the DDL guard (its sql_drop
-- event trigger) refuses it (EL057) for a range partition, the default partition, and a partition
-- dropped by DROP SCHEMA of another schema it lives in, naming the partition.
-- In an install by CREATE EXTENSION the default partition and the log are extension members,
-- so PostgreSQL itself refuses their drop first (2BP01, "extension pg_eventlog requires it").
BEGIN;
SET LOCAL client_min_messages = warning; -- not the list of what the drop cascades to
SELECT plan(5);
SELECT eventlog_test.reset();
SELECT eventlog.set_partition_size(100);
SELECT count(*) FROM (SELECT eventlog.log_event('{"n": 1}') FROM generate_series(1, 150)) AS x;
SELECT count(*) FROM eventlog.ensure_partitions(1);
CREATE TEMP TABLE part AS
  SELECT tableoid::regclass AS p FROM eventlog.events WHERE tableoid <> 'eventlog.events_default'::regclass ORDER BY etag LIMIT 1;

SELECT is((SELECT evtenabled FROM pg_event_trigger WHERE evtname = 'eventlog_guard_drop'), 'O',
  'an install by a superuser adds the drop guard');
SELECT throws_ok(format('DROP TABLE %s', (SELECT p FROM part)), 'EL057',
  format('DROP TABLE would drop partition(s) %s of eventlog.events and the events in them', (SELECT p FROM part)),
  'dropping a range partition is refused, naming it');
SELECT is(eventlog_test.hint_of(format('DROP TABLE %s', (SELECT p FROM part))),
  'Archive closed ranges with SELECT * FROM eventlog.detach_partitions(before_etag); then dump the archived table (pg_dump -t) and drop it.',
  'the hint names detach_partitions');
SELECT throws_ok('DROP TABLE eventlog.events_default', CASE WHEN (SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_eventlog')) THEN '2BP01' ELSE 'EL057' END, NULL, 'so is dropping the default partition');

-- A partition in a schema of its own, attached by hand with the guards.
CREATE SCHEMA elsewhere;
CREATE TABLE elsewhere.part (LIKE eventlog.events);
SELECT eventlog._guard_partition('elsewhere.part');
ALTER TABLE eventlog.events ATTACH PARTITION elsewhere.part FOR VALUES FROM (9000000000000000000) TO (9000000000000000100);
SELECT throws_ok('DROP SCHEMA elsewhere CASCADE', 'EL057',
  'DROP SCHEMA would drop partition(s) elsewhere.part of eventlog.events and the events in them',
  'and dropping a schema holding a partition');

SELECT * FROM finish();
ROLLBACK;
