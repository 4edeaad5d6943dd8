-- Test-only setup, loaded once into the test database after the log is installed
-- (make test does it; by hand: psql -f test/pgtap/_helpers.sql). Fixtures and reset helpers
-- live in schema eventlog_test, never in src/sql.
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE SCHEMA IF NOT EXISTS eventlog_test;

-- get_event only returns events of finished transactions, and a pgTAP file runs in one open
-- transaction. This fixture writes events as if an old, committed transaction at log position
-- tx_order had appended them: one event per element of payloads, in array order.
CREATE OR REPLACE FUNCTION eventlog_test.append_committed(tx_order bigint, payloads jsonb)
RETURNS SETOF bigint
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO eventlog.events (tx_order, payload)
  SELECT append_committed.tx_order, a.element
  FROM pg_catalog.jsonb_array_elements(append_committed.payloads) WITH ORDINALITY AS a (element, ordinality)
  ORDER BY a.ordinality
  RETURNING etag;
$$;

COMMENT ON FUNCTION eventlog_test.append_committed(bigint, jsonb) IS
  'Fixture: events as if appended by a committed transaction at position tx_order; returns their etags.';

-- The etags get_event returns, in order, reading from after_etag in batches of max_rows.
CREATE OR REPLACE FUNCTION eventlog_test.etags_after(after_etag bigint, max_rows integer)
RETURNS bigint[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(array_agg(e.etag ORDER BY e.tx_order, e.etag), '{}')
  FROM eventlog.get_event(etags_after.after_etag, etags_after.max_rows) AS e;
$$;

COMMENT ON FUNCTION eventlog_test.etags_after(bigint, integer) IS
  'The etags of get_event(after_etag, max_rows), in the order returned.';

-- Empties the log inside the calling test's transaction, so a suite sees a known state even in
-- a database with data; the test's ROLLBACK brings everything back. The guard triggers are
-- disabled only for this transaction (ALTER TABLE is transactional).
CREATE OR REPLACE FUNCTION eventlog_test.reset()
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  ALTER TABLE eventlog.events DISABLE TRIGGER _100_refuse_update_delete;
  DELETE FROM eventlog.events;
  ALTER TABLE eventlog.events ENABLE ALWAYS TRIGGER _100_refuse_update_delete;
  DELETE FROM eventlog.streams;
END;
$$;

COMMENT ON FUNCTION eventlog_test.reset() IS
  'Fixture: empties the log and streams within the current (test) transaction.';
