-- Appends never fail for want of a partition: without one for their range, events land in the
-- default partition; ensure_partitions then leaves that range there (PostgreSQL refuses a
-- partition whose rows sit in the default partition) and creates the ranges above it.
BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();
SELECT eventlog.set_partition_size(100);
CREATE TEMP TABLE block AS
  SELECT (COALESCE(pg_sequence_last_value('eventlog.events_etag_seq'), 0) + 1) / 100 AS b;

-- Maintenance did not run: drop the (empty) partitions ahead, as the owner, in a DDL the
-- guard is told to let through (it refuses dropping a partition otherwise).
SELECT eventlog._begin_sanctioned_change('DDL', 'pgTAP: maintenance did not run');
SELECT format('DROP TABLE eventlog.events_%s', lpad((((SELECT b FROM block) + n) * 100)::text, 19, '0'))
FROM generate_series(1, 2) AS n \gexec
SELECT eventlog._end_sanctioned_change('DDL');

SELECT lives_ok(
  $$SELECT count(*) FROM (SELECT eventlog.log_event('{"n": 1}') FROM generate_series(1, 150)) AS x$$,
  '150 appends past the last partition succeed'
);
SELECT cmp_ok(
  (SELECT count(*) FROM eventlog.events WHERE tableoid = 'eventlog.events_default'::regclass), '>', 0::bigint,
  'the events beyond the last partition are in the default partition'
);
SELECT is(
  (SELECT min(etag) / 100 FROM eventlog.events WHERE tableoid = 'eventlog.events_default'::regclass),
  (SELECT b + 1 FROM block),
  'they start in the range after the last partition'
);
CREATE TEMP TABLE created AS SELECT * FROM eventlog.ensure_partitions(2);
SELECT ok(
  (SELECT bool_and(from_etag > (SELECT max(etag) FROM eventlog.events WHERE tableoid = 'eventlog.events_default'::regclass))
   FROM created) AND (SELECT count(*) FROM created) > 0,
  'ensure_partitions creates only ranges above the events in the default partition'
);
SELECT is(
  (SELECT count(*) FROM eventlog.events WHERE tableoid = 'eventlog.events_default'::regclass),
  (SELECT count(*) FROM eventlog.events WHERE etag >= ((SELECT b FROM block) + 1) * 100),
  'and those events stay where they are'
);
SELECT * FROM finish();
ROLLBACK;
