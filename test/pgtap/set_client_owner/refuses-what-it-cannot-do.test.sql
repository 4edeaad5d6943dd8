BEGIN;
SELECT plan(8);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE ROLE eventlog_test_alice;
CREATE ROLE eventlog_test_bob;
GRANT eventlog_reader TO eventlog_test_alice, eventlog_test_bob;
SELECT eventlog_test.etags_as('eventlog_test_alice', $$SELECT * FROM eventlog.get_event('alice-feed')$$);

SELECT throws_ok($$SELECT eventlog.set_client_owner('nobody', 'eventlog_test_bob')$$,
  '42704', 'client ''nobody'' does not exist', 'an unknown client');
SELECT throws_ok($$SELECT eventlog.set_client_owner(NULL, 'eventlog_test_bob')$$,
  '22004', 'client must not be NULL', 'a NULL client');
SELECT throws_ok($$SELECT eventlog.set_client_owner('alice-feed', NULL)$$,
  '22004', 'owner_role must not be NULL', 'a NULL role');
SELECT throws_ok($$SELECT eventlog.set_client_owner('alice-feed', 'eventlog_test_nobody')$$,
  '42704', 'role ''eventlog_test_nobody'' does not exist', 'a role that does not exist');
SELECT throws_ok($$SELECT eventlog.set_client_owner('alice-feed', E'ghost\nrole')$$,
  '42704', E'role ''ghost\\nrole'' does not exist', 'a role name as typed, its control character escaped');
SELECT throws_ok(
  $$SELECT eventlog_test.etags_as('eventlog_test_alice', 'SELECT 1::bigint AS etag FROM eventlog.set_client_owner(''alice-feed'', ''eventlog_test_bob'')')$$,
  '42501', 'cannot give client ''alice-feed'' to role eventlog_test_bob: eventlog_test_alice is not a member of it',
  'the owner cannot give a client to a role she is not a member of');
SELECT throws_ok(
  $$SELECT eventlog_test.etags_as('eventlog_test_bob', 'SELECT 1::bigint AS etag FROM eventlog.set_client_owner(''alice-feed'', ''eventlog_test_bob'')')$$,
  '42501', 'client ''alice-feed'' belongs to role eventlog_test_alice, not to eventlog_test_bob',
  'nobody takes another role''s client');
SELECT is(
  eventlog_test.hint_of($$SELECT eventlog_test.etags_as('eventlog_test_alice', 'SELECT 1::bigint AS etag FROM eventlog.set_client_owner(''alice-feed'', ''eventlog_test_bob'')')$$),
  'Grant the new owner role to the caller first: GRANT eventlog_test_bob TO eventlog_test_alice; or ask a member of eventlog_admin.',
  'the refusal hints at the role to grant');

SELECT * FROM finish();
ROLLBACK;
