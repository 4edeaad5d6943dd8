BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

-- 20 events without a stream, in two transactions: all of them go to member 0 of any group.
CREATE TEMP TABLE first_half AS SELECT etag FROM eventlog_test.append_committed(10, (SELECT jsonb_agg(jsonb_build_object('n', g)) FROM generate_series(1, 10) AS g)) AS etag;
CREATE TEMP TABLE second_half AS SELECT etag FROM eventlog_test.append_committed(20, (SELECT jsonb_agg(jsonb_build_object('n', g)) FROM generate_series(11, 20) AS g)) AS etag;

-- Group of two: member 0 reads 15 events, member 1 has none of its own and stays at the start.
SELECT count(*) FROM eventlog.get_event('workers', 15, 0, 2);

SELECT results_eq(
  $$SELECT member, etag FROM eventlog.client_cursors WHERE client = 'workers' ORDER BY member$$,
  $$VALUES (0, (SELECT etag FROM second_half ORDER BY etag OFFSET 4 LIMIT 1)), (1, 0::bigint)$$,
  'the first use of a group size creates every member, all at the beginning'
);

-- Put member 1 after the first transaction (as if it had read events of its own there), then
-- resize to three members.
UPDATE eventlog.client_cursors SET tx_order = 10, etag = (SELECT max(etag) FROM first_half)
WHERE client = 'workers' AND members = 2 AND member = 1;

SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('workers', 100, 0, 3)$$),
  ARRAY(SELECT etag FROM second_half ORDER BY etag),
  'a new group size starts at the slowest member of the old one: events after it are delivered again'
);
SELECT results_eq(
  $$SELECT member, etag FROM eventlog.client_cursors WHERE client = 'workers' AND members = 3 AND member > 0 ORDER BY member$$,
  $$VALUES (1, (SELECT max(etag) FROM first_half)), (2, (SELECT max(etag) FROM first_half))$$,
  'all members of the new size are created at once, at that position'
);
SELECT is(
  (SELECT count(*) FROM eventlog.client_cursors WHERE client = 'workers' AND members = 2),
  2::bigint,
  'the old size''s cursors stay until dropped'
);

-- Old size far behind (reset to the start), new size advanced: a further resize starts from the
-- furthest size's slowest member, not from the stale one.
UPDATE eventlog.client_cursors SET tx_order = -1, etag = 0 WHERE client = 'workers' AND members = 2;
UPDATE eventlog.client_cursors SET tx_order = 20, etag = (SELECT max(etag) FROM second_half) WHERE client = 'workers' AND members = 3;
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('workers', 100, 0, 4)$$),
  '{}'::bigint[],
  'a later resize starts after the furthest group size, ignoring a stale one'
);
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('workers', 100)$$),
  '{}'::bigint[],
  'the plain cursor (members = 1) is one more group size and starts there too'
);

SELECT * FROM finish();
ROLLBACK;
