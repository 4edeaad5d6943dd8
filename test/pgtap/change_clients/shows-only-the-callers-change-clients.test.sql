BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
DELETE FROM eventlog.change_cursors;

SELECT eventlog_test.change_client_fixture();
CREATE ROLE eventlog_test_alice;
CREATE ROLE eventlog_test_bob;
CREATE ROLE eventlog_test_operator;
GRANT eventlog_reader TO eventlog_test_alice, eventlog_test_bob;
GRANT eventlog_admin TO eventlog_test_operator;
GRANT USAGE ON SCHEMA capture_test TO eventlog_test_alice, eventlog_test_bob, eventlog_test_operator;
-- The two clients stand at different etags, so that a row of the other's client would show.
SELECT eventlog_test.etags_as('eventlog_test_alice', $$SELECT * FROM eventlog.get_changes('capture_test.items', 'alice-mirror', 1)$$);
SELECT eventlog_test.etags_as('eventlog_test_bob', $$SELECT * FROM eventlog.get_changes('capture_test.items', 'bob-mirror', 2)$$);

SELECT is(
  eventlog_test.etags_as('eventlog_test_alice', $$SELECT c.etag FROM eventlog.change_clients AS c$$),
  ARRAY[pg_temp.etag('a')],
  'a reader sees its own change clients only'
);
SELECT is(
  eventlog_test.etags_as('eventlog_test_bob', $$SELECT c.etag FROM eventlog.change_client_status('capture_test.items', 'alice-mirror') AS c$$),
  '{}'::bigint[],
  'and cannot look at another role''s change client by name'
);
SELECT is(
  eventlog_test.etags_as('eventlog_test_operator', $$SELECT c.etag FROM eventlog.change_clients AS c$$),
  ARRAY[pg_temp.etag('a'), pg_temp.etag('d')],
  'a member of eventlog_admin sees every change client'
);

SELECT * FROM finish();
ROLLBACK;
