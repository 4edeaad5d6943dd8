-- The README: lag_events is counted on a budget of 100,000 log events shared among the cursors
-- listed, at least 100 each; lag_capped says the count stopped there ("at least lag_events").
-- 300 committed events: 500 clients at the beginning each count 200; 1,500 count 100 each (the
-- floor, not 66); the view reads that many rows of the log, not every cursor's 300. One
-- client alone, and a client near the end, count exactly.
BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

SELECT eventlog_test.set_guards(false);
INSERT INTO eventlog.events (etag, tx_order, payload) SELECT nextval('eventlog.events_etag_seq'), 10, '{}' FROM generate_series(1, 300);
SELECT eventlog_test.set_guards(true);
INSERT INTO eventlog.client_cursors (client, members, member, tx_order, etag, owner_role)
  SELECT 'c-' || g, 1, 0, -1, 0, current_user FROM generate_series(1, 500) AS g;
-- Rows of the log read in this transaction, by sequential scans and through indexes, whichever
-- plan the view's count gets.
CREATE TEMP VIEW log_rows_read AS
  SELECT sum(s.seq_tup_read + coalesce(s.idx_tup_fetch, 0)) AS n
  FROM pg_stat_xact_user_tables AS s
  WHERE s.relid IN (SELECT h.inhrelid FROM pg_inherits AS h WHERE h.inhparent = 'eventlog.events'::regclass);
CREATE TEMP TABLE read_before (n numeric);

SELECT results_eq(
  $$SELECT count(*), min(lag_events), max(lag_events), bool_and(lag_capped) FROM eventlog.clients$$,
  $$VALUES (500::bigint, 200::bigint, 200::bigint, true)$$,
  '500 clients behind 300 events: each counts 100,000 / 500 = 200 and says the count is capped'
);

INSERT INTO eventlog.client_cursors (client, members, member, tx_order, etag, owner_role)
  SELECT 'c-' || g, 1, 0, -1, 0, current_user FROM generate_series(501, 1500) AS g;
INSERT INTO read_before SELECT n FROM log_rows_read;
SELECT results_eq(
  $$SELECT count(*), min(lag_events), max(lag_events), bool_and(lag_capped) FROM eventlog.clients$$,
  $$VALUES (1500::bigint, 100::bigint, 100::bigint, true)$$,
  '1,500 clients: each still counts 100, the floor'
);
SELECT cmp_ok(
  (SELECT n FROM log_rows_read) - (SELECT n FROM read_before),
  '<=', 1500 * 100 + 3000::numeric,
  'the view read about 1,500 x 100 rows of the log, not 1,500 x 300'
);

DELETE FROM eventlog.client_cursors WHERE client <> 'c-1';
SELECT results_eq(
  $$SELECT lag_events, lag_capped FROM eventlog.clients$$,
  $$VALUES (300::bigint, false)$$,
  'one client alone counts all 300: exact, not capped'
);
SELECT eventlog.seek_client('c-1', (SELECT etag FROM eventlog.events ORDER BY etag OFFSET 294 LIMIT 1));
SELECT results_eq(
  $$SELECT lag_events, lag_capped FROM eventlog.client_status('c-1')$$,
  $$VALUES (5::bigint, false)$$,
  'below the budget the count is exact'
);

-- A group member counts its own share among the log events it may read (all 300 here: events
-- without a stream go to member 0).
SELECT count(*) FROM eventlog.peek_event('group', 1, 0, 2);
SELECT results_eq(
  $$SELECT member, lag_events, lag_capped FROM eventlog.clients WHERE client = 'group' ORDER BY member$$,
  $$VALUES (0, 300::bigint, false), (1, 0::bigint, false)$$,
  'a group member counts its share of the events it read'
);

SELECT * FROM finish();
ROLLBACK;
