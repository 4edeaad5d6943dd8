BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

SELECT eventlog_test.append_committed_to(10, 's' || g, '[{"n": 1}, {"n": 2}]') FROM generate_series(1, 12) AS g;
SELECT count(*) FROM generate_series(0, 2) AS m, LATERAL eventlog.peek_event('workers', 100, m, 3) AS e;
CREATE TEMP TABLE last_of_member_1 AS
  SELECT max(etag) AS etag FROM eventlog.events WHERE eventlog.stream_member(stream, 3) = 1;

SELECT lives_ok(
  format('SELECT eventlog.ack_event(%L, %s, 1, 3)', 'workers', (SELECT etag FROM last_of_member_1)),
  'member 1 of 3 acknowledges the end of its peek'
);
SELECT is(
  (SELECT array_agg(etag ORDER BY member) FROM eventlog.client_cursors WHERE client = 'workers' AND members = 3),
  ARRAY[0, (SELECT etag FROM last_of_member_1), 0],
  'only member 1''s cursor moved; members 0 and 2 are still at the beginning'
);

SELECT * FROM finish();
ROLLBACK;
