BEGIN;
SELECT plan(12);
SELECT eventlog_test.reset();

SELECT eventlog.append_to_stream('customer-6', '[{"type": "registered", "payload": {"email": "e@example.com"}}]');
CREATE TEMP TABLE before AS SELECT * FROM eventlog.events;

-- Runs sql as role_name; the role is reset afterwards, or by throws_ok's rollback when sql raises.
CREATE FUNCTION pg_temp.run_as(role_name name, sql text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_catalog.set_config('role', role_name, true);
  EXECUTE sql;
  PERFORM pg_catalog.set_config('role', 'none', true);
END;
$$;

SELECT throws_ok($$SELECT pg_temp.run_as('eventlog_writer', 'UPDATE eventlog.events SET payload = ''{}''')$$, '42501', NULL, 'a writer cannot UPDATE');
SELECT throws_ok($$SELECT pg_temp.run_as('eventlog_reader', 'DELETE FROM eventlog.events')$$, '42501', NULL, 'a reader cannot DELETE');
SELECT throws_ok($$SELECT pg_temp.run_as('eventlog_admin', 'UPDATE eventlog.events SET payload = payload - ''email''')$$, '42501', NULL, 'an admin cannot UPDATE');
SELECT throws_ok($$SELECT pg_temp.run_as('eventlog_admin', 'INSERT INTO eventlog.sanctioned_changes VALUES (pg_current_xact_id(), ''UPDATE'', ''forget'')')$$,
  '42501', NULL, 'an admin cannot write the permission forget uses');

-- Even with the table privileges, the guard refuses.
GRANT UPDATE, DELETE ON eventlog.events TO eventlog_admin;
SELECT throws_ok($$SELECT pg_temp.run_as('eventlog_admin', 'UPDATE eventlog.events SET payload = payload - ''email''')$$,
  'EL002', 'UPDATE on eventlog.events is refused: the event log is append-only', 'an admin granted UPDATE is refused by the guard');
SELECT throws_ok($$SELECT pg_temp.run_as('eventlog_admin', 'DELETE FROM eventlog.events')$$,
  'EL002', 'DELETE on eventlog.events is refused: the event log is append-only', 'an admin granted DELETE is refused by the guard');

-- The owner (this session).
SELECT throws_ok($$UPDATE eventlog.events SET payload = payload - 'email'$$, 'EL002', NULL, 'the owner cannot UPDATE');
SELECT throws_ok($$DELETE FROM eventlog.events$$, 'EL002', NULL, 'the owner cannot DELETE');
SELECT throws_ok($$TRUNCATE eventlog.events$$, 'EL002', NULL, 'the owner cannot TRUNCATE');
SET LOCAL eventlog.forget = 'on';
SET LOCAL application_name = 'eventlog.forget';
SELECT throws_ok($$UPDATE eventlog.events SET payload = payload - 'email'$$, 'EL002', NULL, 'settings a caller can make do not open the guard');

-- Right after forget, in the same transaction, the guard is closed again.
SELECT eventlog.forget('customer-6', ARRAY['email']);
SELECT is((SELECT count(*) FROM eventlog.sanctioned_changes), 0::bigint, 'forget leaves no permission behind');
SELECT throws_ok($$UPDATE eventlog.events SET payload = '{}'$$, 'EL002', NULL, 'an UPDATE after forget in the same transaction is refused');

SELECT * FROM finish();
ROLLBACK;
