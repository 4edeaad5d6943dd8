BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();

SELECT eventlog.enable_publication();
SELECT lives_ok($$SELECT eventlog.disable_publication()$$, 'disable_publication() drops the default publication');
SELECT is((SELECT count(*) FROM pg_catalog.pg_publication WHERE pubname = 'eventlog'), 0::bigint, 'it is gone');
SELECT is((SELECT count(*) FROM eventlog.publications WHERE publication = 'eventlog'), 0::bigint, 'and so is its record');

SELECT throws_ok($$SELECT eventlog.disable_publication()$$, '42704', 'publication ''eventlog'' does not exist',
  'a second call is refused: there is nothing to drop');

CREATE TABLE eventlog_test.orders (id integer PRIMARY KEY);
CREATE PUBLICATION eventlog_test_app FOR TABLE eventlog_test.orders;
SELECT throws_ok($$SELECT eventlog.disable_publication('eventlog_test_app')$$, 'EL070',
  'publication ''eventlog_test_app'' was not created by enable_publication', 'a publication someone else made is refused');
SELECT * FROM finish();
ROLLBACK;
