BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();

SELECT eventlog_test.append_committed(10, '[{"keep": true}]');

-- These run as the table owner (the test connects as the installing role).
SELECT throws_ok($$UPDATE eventlog.events SET payload = '{}'$$, 'EL002', 'UPDATE on eventlog.events is refused: the event log is append-only', 'UPDATE is refused');
SELECT throws_ok($$DELETE FROM eventlog.events$$, 'EL002', 'DELETE on eventlog.events is refused: the event log is append-only', 'DELETE is refused');
SELECT throws_ok($$TRUNCATE eventlog.events$$, 'EL002', 'TRUNCATE on eventlog.events is refused: the event log is append-only', 'TRUNCATE is refused');

SET LOCAL session_replication_role = replica;
SELECT throws_ok($$DELETE FROM eventlog.events$$, 'EL002', NULL, 'DELETE is refused under session_replication_role = replica too');
RESET session_replication_role;

SELECT results_eq('SELECT payload FROM eventlog.events', $$VALUES ('{"keep": true}'::jsonb)$$, 'the event is unchanged');

SELECT * FROM finish();
ROLLBACK;
