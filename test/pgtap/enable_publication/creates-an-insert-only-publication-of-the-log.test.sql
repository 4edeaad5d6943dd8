-- The publication Debezium's connector (publication.autocreate.mode=disabled) and the relay read:
-- exactly eventlog.events, inserts only, and for an unpartitioned log not through a partition root.
BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();

SELECT is(
  (SELECT (p.publication, p.created, p.publish_via_partition_root)::text FROM eventlog.enable_publication() AS p),
  '(eventlog,t,f)',
  'enable_publication() creates the publication named eventlog and says so'
);
SELECT is(
  (SELECT (pubinsert, pubupdate, pubdelete, pubtruncate, puballtables, pubviaroot)::text
   FROM pg_catalog.pg_publication WHERE pubname = 'eventlog'),
  '(t,f,f,f,f,f)',
  'it publishes inserts only, of listed tables, not through a partition root'
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
