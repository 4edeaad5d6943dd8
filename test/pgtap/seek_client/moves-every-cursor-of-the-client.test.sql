BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

SELECT eventlog_test.append_committed_to(10, 's' || g, '[{"n": 1}, {"n": 2}]') FROM generate_series(1, 6) AS g;
SELECT count(*) FROM eventlog.get_event('workers', 3);
SELECT count(*) FROM generate_series(0, 1) AS m, LATERAL eventlog.get_event('workers', 100, m, 2);
SELECT count(*) FROM eventlog.get_event('workers', 1, 0, 3);

SELECT is(eventlog.seek_client('workers', 'beginning'), 0::bigint, 'seeking a client');
SELECT results_eq(
  $$SELECT members, member, etag FROM eventlog.client_cursors WHERE client = 'workers' ORDER BY members, member$$,
  $$VALUES (1, 0, 0::bigint), (2, 0, 0::bigint), (2, 1, 0::bigint), (3, 0, 0::bigint), (3, 1, 0::bigint), (3, 2, 0::bigint)$$,
  'moves every member of every group size of it'
);

SELECT * FROM finish();
ROLLBACK;
