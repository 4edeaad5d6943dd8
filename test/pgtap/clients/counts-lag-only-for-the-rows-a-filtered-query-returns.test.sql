-- A query of the clients or change_clients view for a few rows (WHERE client = …) counts the lag of
-- those rows only: it reads no more of the log than their own lag needs, where the views used to
-- count every cursor's lag and then keep the rows asked for. The budget stays the views' (each
-- cursor's share of 100,000 log events among every cursor the caller may see), so a filtered row
-- is the same as in the unfiltered view. 500 clients behind 300 events: each may read 200.
BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();
DELETE FROM eventlog.change_cursors;

SELECT eventlog_test.change_client_fixture();
SELECT eventlog_test.set_guards(false);
INSERT INTO eventlog.events (etag, tx_order, event_type, stream, payload)
  SELECT nextval('eventlog.events_etag_seq'), 50, 'insert', 'capture_test.items:' || (100 + g), '{}' FROM generate_series(1, 294) AS g;
SELECT eventlog_test.set_guards(true);
INSERT INTO eventlog.client_cursors (client, members, member, tx_order, etag, owner_role)
  SELECT 'c-' || g, 1, 0, -1, 0, current_user FROM generate_series(1, 500) AS g;
INSERT INTO eventlog.change_cursors (client, tbl, owner_role)
  SELECT 'mirror-' || g, 'capture_test.items'::regclass, current_user FROM generate_series(1, 500) AS g;

-- Rows of the log read in this transaction, by sequential scans and through indexes.
CREATE TEMP VIEW log_rows_read AS
  SELECT sum(s.seq_tup_read + coalesce(s.idx_tup_fetch, 0)) AS n
  FROM pg_stat_xact_user_tables AS s
  WHERE s.relid IN (SELECT h.inhrelid FROM pg_inherits AS h WHERE h.inhparent = 'eventlog.events'::regclass);
CREATE TEMP TABLE read_before (n numeric);
CREATE FUNCTION pg_temp.mark() RETURNS void LANGUAGE sql AS $$
  DELETE FROM read_before; INSERT INTO read_before SELECT coalesce(n, 0) FROM log_rows_read;
$$;
CREATE FUNCTION pg_temp.read_since_mark() RETURNS numeric LANGUAGE sql AS $$
  SELECT coalesce((SELECT n FROM log_rows_read), 0) - (SELECT n FROM read_before);
$$;

SELECT pg_temp.mark();
SELECT results_eq(
  $$SELECT client, lag_events, lag_capped FROM eventlog.clients WHERE client = 'c-7'$$,
  $$VALUES ('c-7'::text, 200::bigint, true)$$,
  'one client of 500 through the view: its share of the budget, 200 of the 300 events, capped'
);
SELECT cmp_ok(pg_temp.read_since_mark(), '<=', 200 + 10::numeric,
  'the filtered query read that client''s 200 rows of the log, not 500 x 200');
SELECT results_eq(
  $$SELECT * FROM eventlog.clients WHERE client = 'c-7'$$,
  $$SELECT * FROM eventlog.clients WHERE client IN ('c-1', 'c-7', 'c-9') AND client = 'c-7'$$,
  'the row is the one the wider query returns: the budget does not depend on the filter'
);

SELECT pg_temp.mark();
SELECT results_eq(
  $$SELECT client, lag_events, lag_capped FROM eventlog.change_clients WHERE client = 'mirror-7'$$,
  $$VALUES ('mirror-7'::text, 198::bigint, true)$$,
  'one change client of 500 through the view: the table''s changes among its 200 events, capped'
);
SELECT cmp_ok(pg_temp.read_since_mark(), '<=', 200 + 10::numeric,
  'the filtered change_clients query read that client''s 200 rows of the log, not 500 x 200');

SELECT pg_temp.mark();
SELECT results_eq(
  $$SELECT count(*), min(lag_events), max(lag_events) FROM eventlog.clients$$,
  $$VALUES (500::bigint, 200::bigint, 200::bigint)$$,
  'the unfiltered view still counts every cursor on its share'
);

SELECT * FROM finish();
ROLLBACK;
