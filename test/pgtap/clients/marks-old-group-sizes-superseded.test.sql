BEGIN;
SELECT plan(1);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

-- Group sizes created in separate transactions have different creation times; here, by hand.
SELECT count(*) FROM eventlog.get_event('workers', 1, 0, 2);
UPDATE eventlog.client_cursors SET created_at = now() - interval '1 hour' WHERE client = 'workers';
SELECT count(*) FROM eventlog.get_event('workers', 1, 0, 3);

SELECT results_eq(
  $$SELECT members, member, superseded FROM eventlog.clients WHERE client = 'workers' ORDER BY members, member$$,
  $$VALUES (2, 0, true), (2, 1, true), (3, 0, false), (3, 1, false), (3, 2, false)$$,
  'the cursors of a group size older than the newest one are shown as superseded'
);

SELECT * FROM finish();
ROLLBACK;
