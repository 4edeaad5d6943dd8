-- enable_publication runs as its owner (the installing role, owner of the log); CREATE
-- PUBLICATION needs CREATE on the database. Without it the caller gets 42501 naming the role and
-- the GRANT to run, before anything is created. The test hands the function to a role without
-- CREATE (rolled back with the test) to stand for an installing role that lost the privilege.
BEGIN;
SELECT plan(1);
SELECT eventlog_test.reset();

CREATE ROLE eventlog_test_owner;
-- What it needs to get as far as the check (the installing role has all of it).
GRANT USAGE ON SCHEMA eventlog TO eventlog_test_owner;
GRANT ALL ON eventlog.publications TO eventlog_test_owner;
GRANT EXECUTE ON FUNCTION eventlog._check_publication_name(text), eventlog._display(text), eventlog._publish_table(text, regclass) TO eventlog_test_owner;
ALTER FUNCTION eventlog.enable_publication(text) OWNER TO eventlog_test_owner;

SELECT throws_ok(
  $$SELECT eventlog.enable_publication('eventlog_test_pub')$$,
  '42501',
  format('role eventlog_test_owner (the owner of eventlog.events, as which enable_publication runs) has no CREATE privilege on database %s', current_database()),
  'an owner without CREATE on the database is refused, naming both'
);

SELECT * FROM finish();
ROLLBACK;
