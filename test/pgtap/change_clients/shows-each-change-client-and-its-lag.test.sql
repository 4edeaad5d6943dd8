-- The change_clients view: one row per change client (client, table) with its cursor, the
-- table's changes behind it and their age; change_client_status filters by table and by name.
BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();
DELETE FROM eventlog.change_cursors;

SELECT eventlog_test.change_client_fixture();
SELECT count(*) FROM eventlog.get_changes('capture_test.items', 'mirror', 2);  -- a, d
SELECT count(*) FROM eventlog.peek_changes('capture_test.items', 'fresh');      -- created, not moved
SELECT count(*) FROM eventlog.get_changes('capture_test.other', 'mirror', 10);  -- b: caught up

SELECT results_eq(
  $$SELECT client, tbl, owner_role, tracked, pg_temp.cursor_at(client) AS cursor, lag_events, lag_capped, lag_time,
           held_back_by_pid, held_back_for, archived_from_etag
    FROM eventlog.change_clients WHERE tbl = 'capture_test.items'::regclass ORDER BY client$$,
  $$VALUES ('fresh', 'capture_test.items'::regclass, current_user::name, true, '0', 4::bigint, false, interval '1 day', NULL::integer, NULL::interval, NULL::bigint),
           ('mirror', 'capture_test.items'::regclass, current_user::name, true, 'd', 2::bigint, false, interval '1 day', NULL::integer, NULL::interval, NULL::bigint)$$,
  'each change client of a table: its cursor, the table''s changes after it (other events not counted) and the age of the oldest'
);
SELECT results_eq(
  $$SELECT client, etag, lag_events, lag_time FROM eventlog.change_clients WHERE tbl = 'capture_test.other'::regclass$$,
  $$VALUES ('mirror', (SELECT etag FROM written WHERE name = 'b'), 0::bigint, interval '0')$$,
  'the same name on another table is another client: caught up there'
);
SELECT is(
  (SELECT last_activity FROM eventlog.change_clients WHERE client = 'mirror' AND tbl = 'capture_test.items'::regclass),
  now(),
  'last activity is when the cursor last moved'
);
SELECT results_eq(
  $$SELECT client, tbl FROM eventlog.change_client_status(client_name => 'mirror')$$,
  $$VALUES ('mirror', 'capture_test.items'::regclass), ('mirror', 'capture_test.other'::regclass)$$,
  'change_client_status(client_name) shows one name on every table'
);
SELECT results_eq(
  $$SELECT client FROM eventlog.change_client_status('capture_test.items')$$,
  $$VALUES ('fresh'), ('mirror')$$,
  'change_client_status(table_name) shows the clients of one table'
);

SELECT * FROM finish();
ROLLBACK;
