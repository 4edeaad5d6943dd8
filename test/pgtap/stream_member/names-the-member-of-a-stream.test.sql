BEGIN;
SELECT plan(6);

SELECT is(eventlog.stream_member(NULL, 5), 0, 'events without a stream go to member 0');
SELECT is(eventlog.stream_member('order-1', 1), 0, 'a group of one has only member 0');
SELECT is(
  ARRAY(SELECT eventlog.stream_member('order-' || g, 7) FROM generate_series(1, 50) AS g),
  ARRAY(SELECT (abs(hashtextextended('order-' || g, 0)) % 7)::integer FROM generate_series(1, 50) AS g),
  'a stream goes to abs(hashtextextended(stream, 0)) % members'
);
SELECT is(
  (SELECT count(DISTINCT eventlog.stream_member('order-' || g, 4)) FROM generate_series(1, 200) AS g),
  4::bigint,
  'streams spread over every member'
);
SELECT throws_ok($$SELECT eventlog.stream_member('a', 0)$$, '22023', 'members must be between 1 and 1024, got 0', 'members 0');
SELECT throws_ok($$SELECT eventlog.stream_member('a', NULL)$$, '22004', 'members must not be NULL', 'NULL members');

SELECT * FROM finish();
ROLLBACK;
