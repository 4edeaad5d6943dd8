BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

SELECT eventlog_test.append_committed(10, '[{"n": 1}]');
SELECT count(*) FROM eventlog.get_event('workers', 1, 0, 2);
SELECT count(*) FROM eventlog.get_event('workers', 1, 0, 3);

SELECT lives_ok($$SELECT eventlog.drop_client('workers', 2)$$, 'dropping one group size of a client');
SELECT results_eq(
  $$SELECT members, member FROM eventlog.client_cursors WHERE client = 'workers' ORDER BY member$$,
  $$VALUES (3, 0), (3, 1), (3, 2)$$,
  'removes the cursors of that size only'
);

SELECT * FROM finish();
ROLLBACK;
