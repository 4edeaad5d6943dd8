BEGIN;
SELECT plan(8);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE ROLE eventlog_test_alice;
CREATE ROLE eventlog_test_bob;
CREATE ROLE eventlog_test_team;
CREATE ROLE eventlog_test_carol;
CREATE ROLE eventlog_test_operator;
GRANT eventlog_reader TO eventlog_test_alice, eventlog_test_bob, eventlog_test_team, eventlog_test_carol;
GRANT eventlog_test_team TO eventlog_test_carol;
GRANT eventlog_admin TO eventlog_test_operator;

CREATE TEMP TABLE committed AS
  SELECT etag FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}]') AS etag;

SELECT is(
  eventlog_test.etags_as('eventlog_test_alice', $$SELECT * FROM eventlog.get_event('alice-feed')$$),
  ARRAY(SELECT min(etag) FROM committed),
  'a reader creates a client by using it'
);
SELECT is(
  (SELECT owner_role FROM eventlog.client_cursors WHERE client = 'alice-feed'),
  'eventlog_test_alice'::name,
  'the client belongs to the role the session acted as'
);
SELECT throws_ok(
  $$SELECT eventlog_test.etags_as('eventlog_test_bob', 'SELECT * FROM eventlog.get_event(''alice-feed'')')$$,
  '42501',
  'client ''alice-feed'' belongs to role eventlog_test_alice, not to eventlog_test_bob',
  'another reader may not read it'
);
SELECT is(
  eventlog_test.hint_of($$SELECT eventlog_test.etags_as('eventlog_test_bob', 'SELECT * FROM eventlog.get_event(''alice-feed'')')$$),
  'To share it, grant the owning role: GRANT eventlog_test_alice TO eventlog_test_bob; or use a client name of your own. Members of eventlog_admin may use every client.',
  'the refusal hints at the role to grant'
);
SELECT throws_ok(
  $$SELECT eventlog_test.etags_as('eventlog_test_bob', 'SELECT * FROM eventlog.get_event(''alice-feed'', 1, 0, 2)')$$,
  '42501',
  'client ''alice-feed'' belongs to role eventlog_test_alice, not to eventlog_test_bob',
  'nor start a consumer group on it'
);
SELECT is(
  eventlog_test.etags_as('eventlog_test_operator', $$SELECT * FROM eventlog.get_event('alice-feed')$$),
  ARRAY(SELECT etag FROM committed ORDER BY etag OFFSET 1 LIMIT 1),
  'a member of eventlog_admin may'
);
SELECT is(
  eventlog_test.etags_as('eventlog_test_team', $$SELECT * FROM eventlog.get_event('team-feed')$$),
  ARRAY(SELECT min(etag) FROM committed),
  'a group role creates a client'
);
SELECT is(
  eventlog_test.etags_as('eventlog_test_carol', $$SELECT * FROM eventlog.get_event('team-feed')$$),
  ARRAY(SELECT etag FROM committed ORDER BY etag OFFSET 1 LIMIT 1),
  'and a member of that role continues it without SET ROLE'
);

SELECT * FROM finish();
ROLLBACK;
