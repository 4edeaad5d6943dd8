-- The one way past the append-only guard. A sanctioned function (forget now; compaction and
-- retention later) runs as the owner (SECURITY DEFINER) and, around its own statement, holds a
-- row here for its transaction and the one operation it needs. The guard lets that statement
-- through and refuses everything else as before. The row is inserted and deleted inside the
-- function, so it is never committed and no other session ever sees it. Nobody but the owner can
-- write this table, and nothing granted to our roles writes it except those functions: a caller
-- cannot forge the permission (a setting anyone can SET could be forged). The owner could, but
-- the owner can also drop the trigger; for the owner the guard prevents mistakes, not intent.
-- See docs/streams.md.
CREATE TABLE eventlog.sanctioned_changes (
  transaction_id xid8 NOT NULL,
  operation text NOT NULL,
  purpose text NOT NULL,
  CONSTRAINT sanctioned_changes_pkey PRIMARY KEY (transaction_id, operation),
  CONSTRAINT sanctioned_changes_operation CHECK (operation IN ('UPDATE', 'DELETE'))
);

COMMENT ON TABLE eventlog.sanctioned_changes IS
  'Internal: the UPDATE or DELETE a sanctioned function (forget) is running in this transaction; never committed.';
COMMENT ON COLUMN eventlog.sanctioned_changes.transaction_id IS
  'The transaction the sanctioned function runs in.';
COMMENT ON COLUMN eventlog.sanctioned_changes.operation IS
  'The one operation the guard lets through: UPDATE or DELETE.';
COMMENT ON COLUMN eventlog.sanctioned_changes.purpose IS
  'The function that asked, e.g. forget.';

CREATE FUNCTION eventlog._begin_sanctioned_change(operation text, purpose text)
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO eventlog.sanctioned_changes (transaction_id, operation, purpose)
  VALUES (pg_catalog.pg_current_xact_id(), _begin_sanctioned_change.operation, _begin_sanctioned_change.purpose);
$$;

REVOKE EXECUTE ON FUNCTION eventlog._begin_sanctioned_change(text, text) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._begin_sanctioned_change(text, text) IS
  'Internal: lets the guard pass operation on eventlog.events in this transaction until _end_sanctioned_change.';

CREATE FUNCTION eventlog._end_sanctioned_change(operation text)
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  DELETE FROM eventlog.sanctioned_changes AS c
  WHERE c.transaction_id = pg_catalog.pg_current_xact_id() AND c.operation = _end_sanctioned_change.operation;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._end_sanctioned_change(text) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._end_sanctioned_change(text) IS
  'Internal: ends what _begin_sanctioned_change allowed.';

-- Restated from 0005 in full. SECURITY DEFINER so that it can read sanctioned_changes whoever
-- runs the statement; a role that was granted UPDATE or DELETE still gets EL002.
CREATE OR REPLACE FUNCTION eventlog.tg_events__refuse_change()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF tg_op IN ('UPDATE', 'DELETE') AND EXISTS (
    SELECT 1 FROM eventlog.sanctioned_changes AS c
    WHERE c.transaction_id = pg_catalog.pg_current_xact_id_if_assigned() AND c.operation = tg_op
  ) THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION '% on %.% is refused: the event log is append-only', tg_op, tg_table_schema, tg_table_name
    USING ERRCODE = 'EL002',
          HINT = 'Events are never changed in place; append a correcting event instead. Personal data is erased with forget().';
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.tg_events__refuse_change() FROM PUBLIC;

COMMENT ON FUNCTION eventlog.tg_events__refuse_change() IS
  'Trigger function that refuses any change to existing events, except the statement a sanctioned function (forget) runs.';
