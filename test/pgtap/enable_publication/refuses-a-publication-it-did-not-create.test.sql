BEGIN;
SELECT plan(1);
SELECT eventlog_test.reset();

CREATE TABLE eventlog_test.orders (id integer PRIMARY KEY);
CREATE PUBLICATION eventlog_test_app FOR TABLE eventlog_test.orders;

SELECT throws_ok(
  $$SELECT eventlog.enable_publication('eventlog_test_app')$$,
  'EL070', 'publication ''eventlog_test_app'' already exists and was not created by enable_publication',
  'a publication of that name made by someone else is refused'
);
SELECT * FROM finish();
ROLLBACK;
