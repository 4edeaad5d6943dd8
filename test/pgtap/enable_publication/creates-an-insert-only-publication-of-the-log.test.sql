-- The publication Debezium's connector (publication.autocreate.mode=disabled) and the relay read:
-- exactly eventlog.events, inserts only, through the partition root exactly when the log is
-- partitioned (relkind 'p'; publishes-a-partitioned-table-through-its-root shows that branch).
BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();

SELECT is(
  (SELECT (p.publication, p.created, p.publish_via_partition_root)::text FROM eventlog.enable_publication() AS p),
  (SELECT ('eventlog', true, relkind = 'p')::text FROM pg_catalog.pg_class WHERE oid = 'eventlog.events'::regclass),
  'enable_publication() creates the publication named eventlog and says so'
);
SELECT is(
  (SELECT (pubinsert, pubupdate, pubdelete, pubtruncate, puballtables, pubviaroot)::text
   FROM pg_catalog.pg_publication WHERE pubname = 'eventlog'),
  (SELECT (true, false, false, false, false, relkind = 'p')::text FROM pg_catalog.pg_class WHERE oid = 'eventlog.events'::regclass),
  'it publishes inserts only, of listed tables, through the partition root only for a partitioned log'
);
SELECT is(
  ARRAY(SELECT schemaname || '.' || tablename FROM pg_catalog.pg_publication_tables WHERE pubname = 'eventlog'),
  ARRAY['eventlog.events'],
  'its one table is the log'
);
SELECT is(
  (SELECT pubowner::regrole::text FROM pg_catalog.pg_publication WHERE pubname = 'eventlog'),
  (SELECT relowner::regrole::text FROM pg_catalog.pg_class WHERE oid = 'eventlog.events'::regclass),
  'it belongs to the owner of the log, as which enable_publication runs'
);
SELECT is(
  (SELECT (p.publication, p.created)::text FROM eventlog.enable_publication('eventlog_kafka') AS p),
  '(eventlog_kafka,t)',
  'another name makes a second publication'
);

SELECT * FROM finish();
ROLLBACK;
