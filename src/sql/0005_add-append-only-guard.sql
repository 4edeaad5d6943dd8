-- Rows are immutable. Statement-level triggers refuse UPDATE, DELETE and TRUNCATE for every role,
-- the owner included; ENABLE ALWAYS keeps them firing under session_replication_role = replica.
CREATE FUNCTION eventlog.tg_events__refuse_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION '% on %.% is refused: the event log is append-only', tg_op, tg_table_schema, tg_table_name
    USING ERRCODE = 'EL002',
          HINT = 'Events are never changed in place; append a correcting event instead.';
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.tg_events__refuse_change() FROM PUBLIC;

COMMENT ON FUNCTION eventlog.tg_events__refuse_change() IS
  'Trigger function that refuses any change to existing events.';

CREATE TRIGGER _100_refuse_update_delete
  BEFORE UPDATE OR DELETE ON eventlog.events
  FOR EACH STATEMENT EXECUTE FUNCTION eventlog.tg_events__refuse_change();

CREATE TRIGGER _100_refuse_truncate
  BEFORE TRUNCATE ON eventlog.events
  FOR EACH STATEMENT EXECUTE FUNCTION eventlog.tg_events__refuse_change();

ALTER TABLE eventlog.events ENABLE ALWAYS TRIGGER _100_refuse_update_delete;
ALTER TABLE eventlog.events ENABLE ALWAYS TRIGGER _100_refuse_truncate;
