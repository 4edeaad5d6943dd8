BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE ROLE eventlog_test_alice;
CREATE ROLE eventlog_test_bob;
CREATE ROLE eventlog_test_operator;
GRANT eventlog_reader TO eventlog_test_alice, eventlog_test_bob;
GRANT eventlog_admin TO eventlog_test_operator;
-- The two clients stand at different etags, so that a row of the other's client would show.
SELECT eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}, {"n": 3}]');
SELECT eventlog_test.etags_as('eventlog_test_alice', $$SELECT * FROM eventlog.get_event('alice-feed', 1)$$);
SELECT eventlog_test.etags_as('eventlog_test_bob', $$SELECT * FROM eventlog.get_event('bob-feed', 2)$$);

SELECT isnt(
  (SELECT etag FROM eventlog.client_cursors WHERE client = 'alice-feed'),
  (SELECT etag FROM eventlog.client_cursors WHERE client = 'bob-feed'),
  'setup: the two clients stand at different etags'
);
SELECT is(
  eventlog_test.etags_as('eventlog_test_alice', $$SELECT c.etag FROM eventlog.clients AS c$$),
  ARRAY(SELECT etag FROM eventlog.client_cursors WHERE client = 'alice-feed'),
  'a reader sees its own clients only'
);
SELECT is(
  eventlog_test.etags_as('eventlog_test_bob', $$SELECT c.etag FROM eventlog.client_status('alice-feed') AS c$$),
  '{}'::bigint[],
  'and cannot look at another role''s client by name'
);
SELECT is(
  eventlog_test.etags_as('eventlog_test_bob', $$SELECT c.etag FROM eventlog.clients AS c$$),
  ARRAY(SELECT etag FROM eventlog.client_cursors WHERE client = 'bob-feed'),
  'and so does the other reader'
);
SELECT is(
  eventlog_test.etags_as('eventlog_test_operator', $$SELECT c.etag FROM eventlog.clients AS c$$),
  ARRAY(SELECT etag FROM eventlog.client_cursors ORDER BY client),
  'a member of eventlog_admin sees every client'
);

SELECT * FROM finish();
ROLLBACK;
