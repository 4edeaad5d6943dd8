-- A client of a table that is no longer tracked cannot read (EL042); the view still lists it, as
-- not tracked and without a lag, so that it can be found and dropped.
BEGIN;
SELECT plan(1);
SELECT eventlog_test.reset();
DELETE FROM eventlog.change_cursors;

SELECT eventlog_test.change_client_fixture();
SELECT count(*) FROM eventlog.get_changes('capture_test.items', 'mirror', 1);
SELECT eventlog.untrack_table('capture_test.items');

SELECT results_eq(
  $$SELECT client, tracked, pg_temp.cursor_at(client), lag_events, lag_capped, lag_time FROM eventlog.change_clients$$,
  $$VALUES ('mirror', false, 'a', NULL::bigint, NULL::boolean, NULL::interval)$$,
  'listed with tracked = false, its cursor, and no lag'
);

SELECT * FROM finish();
ROLLBACK;
