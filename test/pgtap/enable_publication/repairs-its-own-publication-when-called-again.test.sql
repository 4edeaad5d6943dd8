-- Calling enable_publication again is a no-op for an intact publication and puts back what was
-- changed by hand: the options and the table list.
BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

SELECT eventlog.enable_publication();
SELECT is(
  (SELECT (p.publication, p.created)::text FROM eventlog.enable_publication() AS p),
  '(eventlog,f)',
  'a second call creates nothing'
);

CREATE TABLE eventlog_test.other_table (id integer PRIMARY KEY);
ALTER PUBLICATION eventlog SET (publish = 'insert, update, delete, truncate');
ALTER PUBLICATION eventlog ADD TABLE eventlog_test.other_table;
SELECT eventlog.enable_publication();
SELECT is(
  (SELECT (pubinsert, pubupdate, pubdelete, pubtruncate)::text FROM pg_catalog.pg_publication WHERE pubname = 'eventlog'),
  '(t,f,f,f)',
  'the publish option is back to inserts only'
);
SELECT is(
  ARRAY(SELECT schemaname || '.' || tablename FROM pg_catalog.pg_publication_tables WHERE pubname = 'eventlog'),
  ARRAY['eventlog.events'],
  'the table added by hand is gone from it'
);

ALTER PUBLICATION eventlog DROP TABLE eventlog.events;
SELECT eventlog.enable_publication();
SELECT is(
  ARRAY(SELECT schemaname || '.' || tablename FROM pg_catalog.pg_publication_tables WHERE pubname = 'eventlog'),
  ARRAY['eventlog.events'],
  'the log dropped from it by hand is back'
);

SELECT * FROM finish();
ROLLBACK;
