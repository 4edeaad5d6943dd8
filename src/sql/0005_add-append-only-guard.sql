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

-- Statement triggers are not cloned to partitions (row triggers are), and an UPDATE, DELETE or
-- TRUNCATE naming a partition fires only that partition's statement triggers. Every partition of
-- the log therefore gets the same two, under the same names; ensure_partitions() calls this for
-- each partition it adds, and the DDL guard (0026) refuses a partition without them.
CREATE FUNCTION eventlog._guard_partition(part regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  EXECUTE pg_catalog.format(
    'CREATE TRIGGER _100_refuse_update_delete BEFORE UPDATE OR DELETE ON %s FOR EACH STATEMENT EXECUTE FUNCTION eventlog.tg_events__refuse_change()',
    _guard_partition.part);
  EXECUTE pg_catalog.format(
    'CREATE TRIGGER _100_refuse_truncate BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION eventlog.tg_events__refuse_change()',
    _guard_partition.part);
  EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ALWAYS TRIGGER _100_refuse_update_delete', _guard_partition.part);
  EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ALWAYS TRIGGER _100_refuse_truncate', _guard_partition.part);
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._guard_partition(regclass) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._guard_partition(regclass) IS
  'Internal: gives a partition of eventlog.events the append-only guard''s statement triggers.';

SELECT eventlog._guard_partition('eventlog.events_default'::regclass);
