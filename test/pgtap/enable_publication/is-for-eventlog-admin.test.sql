-- Who may publish the log: members of eventlog_admin, as the README says; writers and readers not.
BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

CREATE ROLE eventlog_test_operator;
CREATE ROLE eventlog_test_reader;
GRANT eventlog_admin TO eventlog_test_operator;
GRANT eventlog_reader, eventlog_writer TO eventlog_test_reader;

SET LOCAL ROLE eventlog_test_operator;
SELECT is(
  (SELECT (p.publication, p.created)::text FROM eventlog.enable_publication('eventlog_test_pub') AS p),
  '(eventlog_test_pub,t)',
  'a member of eventlog_admin can enable the publication'
);
SELECT is(
  (SELECT created_by::text FROM eventlog.publications WHERE publication = 'eventlog_test_pub'),
  session_user::text,
  'the record names the session user'
);
RESET ROLE;

SET LOCAL ROLE eventlog_test_reader;
SELECT throws_ok($$SELECT eventlog.enable_publication('eventlog_test_other')$$, '42501',
  'permission denied for function enable_publication', 'a reader and writer cannot');
SELECT throws_ok($$SELECT eventlog.disable_publication('eventlog_test_pub')$$, '42501',
  'permission denied for function disable_publication', 'nor disable one');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
