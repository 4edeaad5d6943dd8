-- Every role and mode that could change an event, with the refusal each one gets: our roles hold
-- no UPDATE, DELETE or TRUNCATE privilege (42501, PostgreSQL's own check); the owner (here also a
-- superuser, the installing role) passes the privilege check and is stopped by the guard
-- triggers (EL002), which ENABLE ALWAYS keeps firing under session_replication_role = replica.
BEGIN;
SELECT plan(15);
-- No eventlog_test.reset() or append_committed() here: they switch the guards off and back on
-- (ENABLE ALWAYS), which would hide a migration that forgot to. One event through the sanctioned
-- path; statement triggers and privilege checks refuse with or without rows anyway.
SELECT count(*) FROM eventlog.log_event('{"keep": true}');

CREATE TEMP TABLE changes (op text, statement text);
INSERT INTO changes VALUES
  ('UPDATE', $$UPDATE eventlog.events SET payload = '{}'$$),
  ('DELETE', $$DELETE FROM eventlog.events$$),
  ('TRUNCATE', $$TRUNCATE eventlog.events$$);

SELECT throws_ok(
  format('SELECT eventlog_test.run_as(%L, %L)', r.role_name, c.statement),
  '42501', 'permission denied for table events',
  format('%s by %s is refused: no privilege (42501)', c.op, r.role_name))
FROM changes AS c
CROSS JOIN (VALUES (1, 'eventlog_writer'), (2, 'eventlog_reader'), (3, 'eventlog_admin')) AS r (n, role_name)
ORDER BY r.n, c.op;

SELECT throws_ok(c.statement, 'EL002', format('%s on eventlog.events is refused: the event log is append-only', c.op),
  format('%s by the owner is refused by the guard trigger (EL002)', c.op))
FROM changes AS c
ORDER BY c.op;

SET LOCAL session_replication_role = replica;
SELECT throws_ok(c.statement, 'EL002', format('%s on eventlog.events is refused: the event log is append-only', c.op),
  format('%s by the owner under session_replication_role = replica is refused too (EL002)', c.op))
FROM changes AS c
ORDER BY c.op;
RESET session_replication_role;

SELECT * FROM finish();
ROLLBACK;
