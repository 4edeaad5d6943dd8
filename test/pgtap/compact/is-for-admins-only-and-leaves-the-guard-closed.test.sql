BEGIN;
SELECT plan(9);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');
SELECT eventlog_test.set_guards(false);
INSERT INTO eventlog.events (etag, tx_order, ctime, event_type, stream, version, payload)
VALUES (nextval('eventlog.events_etag_seq'), 10, now() - interval '2 days', 'insert', 'capture_test.items:1', 1, '{"id": 1}'),
       (nextval('eventlog.events_etag_seq'), 20, now() - interval '2 days', 'update', 'capture_test.items:1', 2, '{"id": 1}');
SELECT eventlog_test.set_guards(true);

SELECT ok(has_function_privilege('eventlog_admin', 'eventlog.compact(interval, interval, integer)', 'EXECUTE'), 'admins can compact');
SELECT ok(NOT has_function_privilege('eventlog_writer', 'eventlog.compact(interval, interval, integer)', 'EXECUTE'), 'writers cannot');
SELECT ok(NOT has_function_privilege('eventlog_reader', 'eventlog.compact(interval, interval, integer)', 'EXECUTE'), 'readers cannot');
SELECT throws_ok($$SELECT eventlog_test.run_as('eventlog_reader', 'SELECT eventlog.compact(''0'')')$$, '42501',
  'permission denied for function compact', 'a reader''s call is refused');

CREATE TEMP TABLE audit AS SELECT eventlog_test.etags_as('eventlog_admin', 'SELECT audit_etag AS etag FROM eventlog.compact(''0'')') AS etags;
SELECT is((SELECT payload->>'by' FROM eventlog.events WHERE etag = (SELECT etags[1] FROM audit)),
  'eventlog_admin', 'an admin compacts, and the audit event names the role');
SELECT is((SELECT count(*) FROM eventlog.events WHERE stream = 'capture_test.items:1'), 1::bigint, 'the superseded revision is gone');

-- Right after compact, in the same transaction, every other DELETE is refused again.
SELECT is((SELECT count(*) FROM eventlog.sanctioned_changes), 0::bigint, 'compact leaves no permission behind');
GRANT DELETE ON eventlog.events TO eventlog_admin;
SELECT throws_ok($$SELECT eventlog_test.run_as('eventlog_admin', 'DELETE FROM eventlog.events')$$,
  'EL002', 'DELETE on eventlog.events is refused: the event log is append-only', 'an admin granted DELETE is refused by the guard');
SELECT throws_ok($$DELETE FROM eventlog.events$$, 'EL002', 'DELETE on eventlog.events is refused: the event log is append-only',
  'so is the owner');

SELECT * FROM finish();
ROLLBACK;
