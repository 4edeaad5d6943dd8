-- Test-only setup, loaded once into the test database after the log is installed
-- (make test does it; by hand: psql -f test/pgtap/_helpers.sql). Fixtures and reset helpers
-- live in schema eventlog_test, never in src/sql.
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE SCHEMA IF NOT EXISTS eventlog_test;

-- get_event only returns events of finished transactions, and a pgTAP file runs in one open
-- transaction. This fixture writes events as if an old, committed transaction at log position
-- tx_order had appended them: one event per element of payloads, in array order. The log refuses
-- a position given by the writer (the append check trigger), so the fixture switches that trigger
-- off for the moment of its insert, inside the test's transaction (and the DDL guard with it).
CREATE OR REPLACE FUNCTION eventlog_test.append_committed(tx_order bigint, payloads jsonb)
RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM eventlog_test.set_guards(false);
  RETURN QUERY
    INSERT INTO eventlog.events (etag, tx_order, payload)
    SELECT pg_catalog.nextval('eventlog.events_etag_seq'), append_committed.tx_order, a.element
    FROM pg_catalog.jsonb_array_elements(append_committed.payloads) WITH ORDINALITY AS a (element, ordinality)
    ORDER BY a.ordinality
    RETURNING etag;
  PERFORM eventlog_test.set_guards(true);
END;
$$;

COMMENT ON FUNCTION eventlog_test.append_committed(bigint, jsonb) IS
  'Fixture: events as if appended by a committed transaction at position tx_order; returns their etags.';

-- Switches the append check trigger and the append-only guard off (false) or back on (true),
-- with the DDL guard (an event trigger, present when a superuser installed) around the change.
CREATE OR REPLACE FUNCTION eventlog_test.set_guards(enabled boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname = 'eventlog_guard') THEN
    ALTER EVENT TRIGGER eventlog_guard DISABLE;
  END IF;
  IF set_guards.enabled THEN
    ALTER TABLE eventlog.events ENABLE ALWAYS TRIGGER _100_check_append;
    ALTER TABLE eventlog.events ENABLE ALWAYS TRIGGER _100_refuse_update_delete;
  ELSE
    ALTER TABLE eventlog.events DISABLE TRIGGER _100_check_append;
    ALTER TABLE eventlog.events DISABLE TRIGGER _100_refuse_update_delete;
  END IF;
  IF set_guards.enabled AND EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname = 'eventlog_guard') THEN
    ALTER EVENT TRIGGER eventlog_guard ENABLE;
  END IF;
END;
$$;

COMMENT ON FUNCTION eventlog_test.set_guards(boolean) IS
  'Fixture: switches the append check and the append-only guard off or on within the current (test) transaction.';

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
  PERFORM eventlog_test.set_guards(false);
  DELETE FROM eventlog.events;
  PERFORM eventlog_test.set_guards(true);
  DELETE FROM eventlog.streams;
END;
$$;

COMMENT ON FUNCTION eventlog_test.reset() IS
  'Fixture: empties the log and streams within the current (test) transaction.';

-- Named clients (issue 4). reset() predates them, so client suites call this one as well.
CREATE OR REPLACE FUNCTION eventlog_test.reset_clients()
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  DELETE FROM eventlog.client_cursors;
$$;

COMMENT ON FUNCTION eventlog_test.reset_clients() IS
  'Fixture: removes every named client within the current (test) transaction.';

-- The etags a query returns (it must have an etag column), in the order returned.
CREATE OR REPLACE FUNCTION eventlog_test.etags_of(query text)
RETURNS bigint[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_etags bigint[];
BEGIN
  EXECUTE 'SELECT coalesce(array_agg(q.etag ORDER BY q.n), ''{}'') FROM (SELECT r.etag, row_number() OVER () AS n FROM ('
      || etags_of.query || ') AS r) AS q'
    INTO v_etags;
  RETURN v_etags;
END;
$$;

COMMENT ON FUNCTION eventlog_test.etags_of(text) IS
  'Fixture: the etag column of what query returns, in the order returned.';

-- Runs query as another role (SET LOCAL ROLE) and returns its etags; the role is restored
-- afterwards, or by the enclosing throws_ok when the query raises. pgTAP's own bookkeeping needs
-- the session's role, so suites switch roles only through this.
CREATE OR REPLACE FUNCTION eventlog_test.etags_as(role_name name, query text)
RETURNS bigint[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_previous text := pg_catalog.current_setting('role');
  v_etags bigint[];
BEGIN
  PERFORM pg_catalog.set_config('role', etags_as.role_name, true);
  -- Inline rather than through etags_of: the role need not have USAGE on this schema.
  EXECUTE 'SELECT coalesce(array_agg(q.etag ORDER BY q.n), ''{}'') FROM (SELECT r.etag, row_number() OVER () AS n FROM ('
      || etags_as.query || ') AS r) AS q'
    INTO v_etags;
  PERFORM pg_catalog.set_config('role', v_previous, true);
  RETURN v_etags;
END;
$$;

COMMENT ON FUNCTION eventlog_test.etags_as(name, text) IS
  'Fixture: etags_of(query) run as role_name.';

-- append_committed with a stream: one event per element of payloads, numbered on from the
-- stream's highest version in the log.
CREATE OR REPLACE FUNCTION eventlog_test.append_committed_to(tx_order bigint, stream text, payloads jsonb)
RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM eventlog_test.set_guards(false);
  -- The stream version trigger stays on: it numbers these events as it numbers every append.
  RETURN QUERY
    INSERT INTO eventlog.events (etag, tx_order, stream, payload)
    SELECT pg_catalog.nextval('eventlog.events_etag_seq'), append_committed_to.tx_order, append_committed_to.stream, a.element
    FROM pg_catalog.jsonb_array_elements(append_committed_to.payloads) WITH ORDINALITY AS a (element, ordinality)
    ORDER BY a.ordinality
    RETURNING etag;
  PERFORM eventlog_test.set_guards(true);
END;
$$;

COMMENT ON FUNCTION eventlog_test.append_committed_to(bigint, text, jsonb) IS
  'Fixture: append_committed for events of one stream; returns their etags.';

-- append_committed by a transaction that began at ctime.
CREATE OR REPLACE FUNCTION eventlog_test.append_committed_at(tx_order bigint, ctime timestamptz, payloads jsonb)
RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM eventlog_test.set_guards(false);
  RETURN QUERY
    INSERT INTO eventlog.events (etag, tx_order, ctime, payload)
    SELECT pg_catalog.nextval('eventlog.events_etag_seq'), append_committed_at.tx_order, append_committed_at.ctime, a.element
    FROM pg_catalog.jsonb_array_elements(append_committed_at.payloads) WITH ORDINALITY AS a (element, ordinality)
    ORDER BY a.ordinality
    RETURNING etag;
  PERFORM eventlog_test.set_guards(true);
END;
$$;

COMMENT ON FUNCTION eventlog_test.append_committed_at(bigint, timestamptz, jsonb) IS
  'Fixture: append_committed for a transaction that began at ctime; returns the etags.';

-- throws_ok checks the SQLSTATE and the message; this gives the HINT of the error a query raises
-- (NULL when it raises none, or does not raise).
CREATE OR REPLACE FUNCTION eventlog_test.hint_of(query text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_hint text;
BEGIN
  EXECUTE hint_of.query;
  RETURN NULL;
EXCEPTION
  WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS v_hint = PG_EXCEPTION_HINT;
    RETURN NULLIF(v_hint, '');
END;
$$;

COMMENT ON FUNCTION eventlog_test.hint_of(text) IS
  'Fixture: the HINT of the error query raises; NULL if none.';

-- Runs one statement as another role (SET LOCAL ROLE), for statements that return no etags
-- (UPDATE, TRUNCATE, ...). When the statement raises, the enclosing throws_ok's subtransaction
-- rolls the role back with it.
CREATE OR REPLACE FUNCTION eventlog_test.run_as(role_name name, statement text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_previous text := pg_catalog.current_setting('role');
BEGIN
  PERFORM pg_catalog.set_config('role', run_as.role_name, true);
  EXECUTE run_as.statement;
  PERFORM pg_catalog.set_config('role', v_previous, true);
END;
$$;

COMMENT ON FUNCTION eventlog_test.run_as(name, text) IS
  'Fixture: runs statement as role_name.';

-- The fixture of the change-client files (peek_changes, ack_changes, seek_changes): schema
-- capture_test with tracked tables items and other and an untracked one; six change events as
-- committed transactions would have left them (positions given by hand, a day old): items' changes
-- a, d, e, f in log order, b another table's, c a plain event; the temp table written (name, etag)
-- and pg_temp helpers names(etags), etag(name), peek(client, max_rows) and cursor_at(client).
CREATE OR REPLACE FUNCTION eventlog_test.change_client_fixture()
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fixture$
BEGIN
  EXECUTE $block$
CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
CREATE TABLE capture_test.other (id integer PRIMARY KEY);
CREATE TABLE capture_test.untracked (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');
SELECT FROM eventlog.track_table('capture_test.other');

-- Change events as committed transactions would have left them (positions given by hand, a day
-- old): the table's changes a, d, e, f in log order; b another table's, c a plain event.
CREATE TEMP TABLE written (name text, etag bigint);
SELECT FROM eventlog_test.set_guards(false);
WITH w AS (
  INSERT INTO eventlog.events (etag, tx_order, ctime, event_type, stream, payload)
  VALUES (nextval('eventlog.events_etag_seq'), 10, now() - interval '1 day', 'insert', 'capture_test.items:1', '{"id": 1}'),  -- a
         (nextval('eventlog.events_etag_seq'), 10, now() - interval '1 day', 'insert', 'capture_test.other:1', '{"id": 1}'),  -- b
         (nextval('eventlog.events_etag_seq'), 15, now() - interval '1 day', 'event', NULL, '{"n": 1}'),                      -- c
         (nextval('eventlog.events_etag_seq'), 20, now() - interval '1 day', 'insert', 'capture_test.items:2', '{"id": 2}'),  -- d
         (nextval('eventlog.events_etag_seq'), 30, now() - interval '1 day', 'update', 'capture_test.items:1', '{"id": 1}'),  -- e
         (nextval('eventlog.events_etag_seq'), 40, now() - interval '1 day', 'delete', 'capture_test.items:2', '{"id": 2}')   -- f
  RETURNING etag
)
INSERT INTO written SELECT chr(96 + row_number() OVER (ORDER BY etag)::integer), etag FROM w;
SELECT FROM eventlog_test.set_guards(true);
CREATE FUNCTION pg_temp.names(etags bigint[]) RETURNS text[] LANGUAGE sql AS $$
  SELECT coalesce(array_agg(w.name ORDER BY u.n), '{}') FROM unnest(etags) WITH ORDINALITY AS u (etag, n) JOIN written AS w USING (etag);
$$;
CREATE FUNCTION pg_temp.etag(name text) RETURNS bigint LANGUAGE sql AS $$
  SELECT w.etag FROM written AS w WHERE w.name = etag.name;
$$;
CREATE FUNCTION pg_temp.peek(client text, max_rows integer DEFAULT 1000) RETURNS text[] LANGUAGE sql AS $$
  SELECT pg_temp.names(eventlog_test.etags_of(format('SELECT * FROM eventlog.peek_changes(%L, %L, %s)', 'capture_test.items', client, max_rows)));
$$;
CREATE FUNCTION pg_temp.cursor_at(client text) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce((SELECT w.name FROM written AS w WHERE w.etag = c.etag), c.etag::text)
  FROM eventlog.change_cursors AS c WHERE c.client = cursor_at.client AND c.tbl = 'capture_test.items'::regclass;
$$;
  $block$;
END;
$fixture$;

COMMENT ON FUNCTION eventlog_test.change_client_fixture() IS
  'Fixture: tracked tables, six change events and pg_temp helpers for the change-client files.';
