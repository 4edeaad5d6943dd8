BEGIN;
SELECT plan(8);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE ROLE eventlog_test_alice;
CREATE ROLE eventlog_test_service;
CREATE ROLE eventlog_test_bob;
CREATE ROLE eventlog_test_keeper;
GRANT eventlog_reader TO eventlog_test_alice, eventlog_test_service, eventlog_test_bob;
GRANT eventlog_admin TO eventlog_test_keeper;
-- alice moves her consumer to the service role she belongs to.
GRANT eventlog_test_service TO eventlog_test_alice;

CREATE TEMP TABLE committed AS
  SELECT etag, row_number() OVER (ORDER BY etag) AS n
  FROM eventlog_test.append_committed(100, '[{"n": 1}, {"n": 2}, {"n": 3}]') AS etag;
SELECT is(eventlog_test.etags_as('eventlog_test_alice', $$SELECT * FROM eventlog.get_event('orders-feed', 1)$$),
  ARRAY(SELECT etag FROM committed WHERE n = 1), 'alice reads the first event on her client');
-- A second group size, so that the client has two cursor rows.
SELECT eventlog_test.etags_as('eventlog_test_alice', $$SELECT * FROM eventlog.peek_event('orders-feed', 1, 0, 2)$$);

SELECT lives_ok(
  $$SELECT eventlog_test.etags_as('eventlog_test_alice', 'SELECT 1::bigint AS etag FROM eventlog.set_client_owner(''orders-feed'', ''eventlog_test_service'')')$$,
  'alice gives the client to a role she is a member of');
SELECT is((SELECT array_agg(DISTINCT owner_role::text) FROM eventlog.client_cursors WHERE client = 'orders-feed'),
  ARRAY['eventlog_test_service'], 'every cursor of the client (both group sizes) has the new owner');
SELECT is(eventlog_test.etags_as('eventlog_test_service', $$SELECT * FROM eventlog.get_event('orders-feed', 1)$$),
  ARRAY(SELECT etag FROM committed WHERE n = 2), 'the new owner reads on from where the cursor was');
SELECT is(eventlog_test.etags_as('eventlog_test_alice', $$SELECT * FROM eventlog.get_event('orders-feed', 1)$$),
  ARRAY(SELECT etag FROM committed WHERE n = 3), 'alice, a member of the owner role, still may');
SELECT throws_ok(
  $$SELECT eventlog_test.etags_as('eventlog_test_bob', 'SELECT * FROM eventlog.get_event(''orders-feed'', 1)')$$,
  '42501', 'client ''orders-feed'' belongs to role eventlog_test_service, not to eventlog_test_bob',
  'others still may not');

-- A member of eventlog_admin, in neither role, gives it on to bob.
SELECT lives_ok(
  $$SELECT eventlog_test.etags_as('eventlog_test_keeper', 'SELECT 1::bigint AS etag FROM eventlog.set_client_owner(''orders-feed'', ''eventlog_test_bob'')')$$,
  'a member of eventlog_admin gives any client to any role');
SELECT is((SELECT array_agg(DISTINCT owner_role::text) FROM eventlog.client_cursors WHERE client = 'orders-feed'),
  ARRAY['eventlog_test_bob'], 'bob owns it now');

SELECT * FROM finish();
ROLLBACK;
