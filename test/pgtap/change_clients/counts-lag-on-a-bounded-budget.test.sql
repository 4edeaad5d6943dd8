-- The lag of change clients is counted on the clients view's budget: 100,000 log events shared
-- among the cursors listed, at least 100 each. 500 clients behind 300 changes (302 events): each
-- may read 200 events of the log, 198 of them the table's changes (the fixture's b and c are not),
-- so it shows a lag of 198, capped, and the view reads about 100,000 rows of the log, not
-- 500 x 302. One client alone counts exactly.
BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();
DELETE FROM eventlog.change_cursors;

SELECT eventlog_test.change_client_fixture();
SELECT eventlog_test.set_guards(false);
INSERT INTO eventlog.events (etag, tx_order, event_type, stream, payload)
  SELECT nextval('eventlog.events_etag_seq'), 50, 'insert', 'capture_test.items:' || (100 + g), '{}' FROM generate_series(1, 296) AS g;
SELECT eventlog_test.set_guards(true);
INSERT INTO eventlog.change_cursors (client, tbl, owner_role)
  SELECT 'mirror-' || g, 'capture_test.items'::regclass, current_user FROM generate_series(1, 500) AS g;
-- Rows of the log read in this transaction, by sequential scans and through indexes, whichever
-- plan the view's count gets.
CREATE TEMP VIEW log_rows_read AS
  SELECT sum(s.seq_tup_read + coalesce(s.idx_tup_fetch, 0)) AS n
  FROM pg_stat_xact_user_tables AS s
  WHERE s.relid IN (SELECT h.inhrelid FROM pg_inherits AS h WHERE h.inhparent = 'eventlog.events'::regclass);
CREATE TEMP TABLE read_before AS SELECT n FROM log_rows_read;

SELECT results_eq(
  $$SELECT count(*), min(lag_events), max(lag_events), bool_and(lag_capped) FROM eventlog.change_clients$$,
  $$VALUES (500::bigint, 198::bigint, 198::bigint, true)$$,
  '500 clients behind 300 changes: each counts the changes among the next 200 events of the log, and says so (lag_capped)'
);
SELECT cmp_ok(
  (SELECT n FROM log_rows_read) - (SELECT n FROM read_before),
  '<=', 500 * 200 + 1000::numeric,
  'the view read about 100,000 rows of the log, not 500 x 302'
);
DELETE FROM eventlog.change_cursors WHERE client <> 'mirror-1';
SELECT results_eq(
  $$SELECT lag_events, lag_capped FROM eventlog.change_clients$$,
  $$VALUES (300::bigint, false)$$,
  'one client alone counts all 300 changes: exact, not capped'
);
SELECT results_eq(
  $$SELECT lag_events, lag_capped FROM eventlog.change_client_status('capture_test.other')$$,
  $$SELECT NULL::bigint, NULL::boolean WHERE false$$,
  'no client of the other table: no rows'
);

SELECT * FROM finish();
ROLLBACK;
