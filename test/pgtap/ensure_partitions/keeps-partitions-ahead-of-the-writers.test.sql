-- ensure_partitions(ahead) creates the range partition the etag sequence is in and `ahead` more
-- above it, each of _partition_size() etags aligned to a multiple of it, returns the ones it
-- created, and creates nothing when they exist. Events land in the partition of their etag.
BEGIN;
SELECT plan(9);
SELECT eventlog_test.reset();
SELECT eventlog.set_partition_size(100);

CREATE TEMP TABLE block AS
  SELECT (COALESCE(pg_sequence_last_value('eventlog.events_etag_seq'), 0) + 1) / 100 AS b;

SELECT is(
  ARRAY(SELECT c.relname::text FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'eventlog.events'::regclass ORDER BY 1),
  ARRAY(SELECT 'events_' || lpad((((SELECT b FROM block) + n) * 100)::text, 19, '0') FROM generate_series(0, 2) AS n)
    || 'events_default'::text,
  'set_partition_size makes the current range partition and two ahead, beside the default partition'
);
SELECT is(
  (SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class AS c
   WHERE c.oid = format('eventlog.events_%s', lpad(((SELECT b FROM block) * 100)::text, 19, '0'))::regclass),
  format('FOR VALUES FROM (''%s'') TO (''%s'')', (SELECT b FROM block) * 100, (SELECT b FROM block) * 100 + 100),
  'a partition holds one aligned range of the partition size'
);
SELECT is(
  ARRAY(SELECT row(partition_name, from_etag, to_etag)::text FROM eventlog.ensure_partitions(4)),
  ARRAY(SELECT row('events_' || lpad((((SELECT b FROM block) + n) * 100)::text, 19, '0'),
                   ((SELECT b FROM block) + n) * 100, ((SELECT b FROM block) + n + 1) * 100)::text
        FROM generate_series(3, 4) AS n),
  'ensure_partitions(4) adds the two missing ones and returns them'
);
SELECT is((SELECT count(*) FROM eventlog.ensure_partitions(4)), 0::bigint, 'a second call creates nothing');

-- Fill the current range: the events go to range partitions, none to the default one.
SELECT count(*) FROM (SELECT eventlog.log_event('{"n": 1}', 'fill', 's' || (g % 3)) FROM generate_series(1, 250) AS g) AS x;
SELECT is(
  (SELECT count(*) FROM eventlog.events WHERE tableoid = 'eventlog.events_default'::regclass),
  0::bigint,
  'with partitions ahead, no event lands in the default partition'
);
SELECT ok(
  (SELECT bool_and(etag >= lo AND etag < lo + 100)
   FROM (SELECT e.etag, substring(c.relname from 8)::bigint AS lo
         FROM eventlog.events AS e JOIN pg_class AS c ON c.oid = e.tableoid) AS x),
  'every event is in the partition of its etag'
);
SELECT cmp_ok(
  (SELECT count(DISTINCT tableoid) FROM eventlog.events), '>=', 3::bigint,
  'the 250 events crossed at least two partition boundaries'
);
SELECT is(
  ARRAY(SELECT version FROM eventlog.events WHERE stream = 's0' ORDER BY tx_order, etag),
  ARRAY(SELECT generate_series(1, 83)),
  'a stream''s versions run on across partitions'
);
CREATE TEMP TABLE now_at AS
  SELECT (pg_sequence_last_value('eventlog.events_etag_seq') + 1) / 100 AS b;
SELECT is(
  ARRAY(SELECT from_etag FROM eventlog.ensure_partitions(3)),
  ARRAY(SELECT n * 100 FROM generate_series((SELECT b + 5 FROM block), (SELECT b + 3 FROM now_at)) AS n),
  'once the sequence moved on, ensure_partitions(3) adds the ranges now missing up to three above the current one'
);
SELECT * FROM finish();
ROLLBACK;
