BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS
  SELECT etag FROM eventlog_test.append_committed_at(10, now() - interval '5 minutes', '[{"n": 1}, {"n": 2}, {"n": 3}]') AS etag;
SELECT count(*) FROM eventlog.get_event('billing', 1);
SELECT count(*) FROM eventlog.get_event('caught-up', 10);

SELECT results_eq(
  $$SELECT client, member, members, owner_role, etag, lag_events, lag_time, superseded, held_back_by_pid, held_back_for
    FROM eventlog.clients ORDER BY client$$,
  $$VALUES ('billing', 0, 1, current_user::name, (SELECT min(etag) FROM committed), 2::bigint, interval '5 minutes', false, NULL::integer, NULL::interval),
           ('caught-up', 0, 1, current_user::name, (SELECT max(etag) FROM committed), 0::bigint, interval '0', false, NULL::integer, NULL::interval)$$,
  'one row per cursor: position, events behind, age of the oldest of them, nothing held back'
);
SELECT is(
  (SELECT last_activity FROM eventlog.clients WHERE client = 'billing'),
  now(),
  'last activity is when the cursor last moved'
);
SELECT results_eq(
  $$SELECT client, etag, lag_events FROM eventlog.client_status('billing')$$,
  $$VALUES ('billing', (SELECT min(etag) FROM committed), 2::bigint)$$,
  'client_status(name) shows one client'
);
SELECT is(
  (SELECT count(*) FROM eventlog.client_status(NULL)),
  2::bigint,
  'client_status(NULL) shows them all, like the view'
);

SELECT * FROM finish();
ROLLBACK;
