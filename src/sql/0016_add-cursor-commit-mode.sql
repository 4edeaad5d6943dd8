-- Durability of cursor moves. A transaction that only moves a cursor need not wait for a WAL
-- flush at commit: if a crash loses it, it is lost whole, the cursor is back where it was, and the
-- events are delivered again (at-least-once). So the client functions call this just before their
-- first write and, when the transaction has no other write that could be lost with it, commit it
-- with synchronous_commit = off (SET LOCAL: this transaction only).
--
-- eventlog.synchronous_cursors (a custom setting, any role may SET it):
--   off (default, also unset or empty): whenever the cursor write is the transaction's first
--        write; everything the transaction writes afterwards commits asynchronously too. This is
--        the only rule that spares the usual consumer (an autocommit call with $1 parameters) a
--        flush per read, and at-least-once holds: a lost transaction is lost whole.
--   auto: only when the cursor write is the transaction's first write and the call is its first
--        statement, i.e. an autocommit statement sent with the simple query protocol (psql, a
--        driver's plain query); explicit transactions and extended-protocol statements commit
--        as configured.
--   on:  never; every cursor move commits as configured.
-- Returns the previous synchronous_commit value when it changed it, so a caller that ends up
-- writing nothing can put it back; NULL when it changed nothing. See docs/cursors.md, Durability.
CREATE FUNCTION eventlog._relax_cursor_commit()
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_mode text := pg_catalog.lower(pg_catalog.btrim(coalesce(pg_catalog.current_setting('eventlog.synchronous_cursors', true), '')));
  v_previous text;
BEGIN
  IF v_mode = 'auto' THEN
    IF pg_catalog.statement_timestamp() <> pg_catalog.transaction_timestamp() THEN
      RETURN NULL;
    END IF;
  ELSIF v_mode IN ('on', 'true', 'yes', '1') THEN
    RETURN NULL;
  ELSIF v_mode NOT IN ('', 'off', 'false', 'no', '0') THEN
    RAISE EXCEPTION 'eventlog.synchronous_cursors must be auto, on or off, got %',
        eventlog._display(pg_catalog.current_setting('eventlog.synchronous_cursors'))
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'RESET eventlog.synchronous_cursors for the default (off); see docs/cursors.md.';
  END IF;
  IF pg_catalog.pg_current_xact_id_if_assigned() IS NOT NULL THEN
    RETURN NULL;
  END IF;
  v_previous := pg_catalog.current_setting('synchronous_commit');
  IF v_previous = 'off' THEN
    RETURN NULL;
  END IF;
  v_mode := pg_catalog.set_config('synchronous_commit', 'off', true);
  RETURN v_previous;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._relax_cursor_commit() FROM PUBLIC;

COMMENT ON FUNCTION eventlog._relax_cursor_commit() IS
  'Before a cursor write: sets synchronous_commit off for this transaction when eventlog.synchronous_cursors allows; returns the previous value if changed.';
