-- drop_change_client(tbl, client) removes that cursor only: the same name on another table and
-- the log client of that name stay; a later read creates it again at the beginning. The clients
-- of a table no longer tracked can be dropped too.
BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();
DELETE FROM eventlog.change_cursors;

SELECT eventlog_test.change_client_fixture();
SELECT count(*) FROM eventlog.get_changes('capture_test.items', 'mirror', 2);
SELECT count(*) FROM eventlog.get_changes('capture_test.other', 'mirror', 2);
SELECT count(*) FROM eventlog.get_event('mirror', 1);

SELECT lives_ok($$SELECT eventlog.drop_change_client('capture_test.items', 'mirror')$$, 'drops a change client');
SELECT results_eq(
  $$SELECT client, tbl FROM eventlog.change_cursors$$,
  $$VALUES ('mirror', 'capture_test.other'::regclass)$$,
  'the same name on another table stays'
);
SELECT is((SELECT count(*) FROM eventlog.client_cursors WHERE client = 'mirror'), 1::bigint, 'and so does the log client of that name');
SELECT is(pg_temp.peek('mirror'), ARRAY['a', 'd', 'e', 'f'], 'a later read creates it again, at the beginning');

SELECT eventlog.untrack_table('capture_test.other');
SELECT eventlog.drop_change_client('capture_test.other', 'mirror');
SELECT is((SELECT count(*) FROM eventlog.change_cursors WHERE tbl = 'capture_test.other'::regclass), 0::bigint,
  'a client of a table no longer tracked can be dropped');

SELECT * FROM finish();
ROLLBACK;
