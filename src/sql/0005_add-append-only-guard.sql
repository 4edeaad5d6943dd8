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
-- It also gives the partition its primary key (etag) and log order index (tx_order, etag), which
-- are each partition's own (0004 says why), named as PostgreSQL would name them; a table that has
-- them already (the default partition, the old table a conversion attaches) keeps its own.
CREATE FUNCTION eventlog._guard_partition(part regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_schema name;
  v_name name;
BEGIN
  SELECT n.nspname, c.relname INTO STRICT v_schema, v_name
  FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
  WHERE c.oid = _guard_partition.part;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint AS k
                 WHERE k.conrelid = _guard_partition.part AND k.contype = 'p') THEN
    EXECUTE pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I PRIMARY KEY (etag)', _guard_partition.part, v_name || '_pkey');
  END IF;
  IF pg_catalog.to_regclass(pg_catalog.format('%I.%I', v_schema, v_name || '_tx_order_etag_idx')) IS NULL THEN
    EXECUTE pg_catalog.format('CREATE INDEX %I ON %s (tx_order, etag) WITH (deduplicate_items = off)',
      v_name || '_tx_order_etag_idx', _guard_partition.part);
  END IF;
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
  'Internal: gives a partition of eventlog.events the append-only guard''s statement triggers, and its primary key and log order index if it has none.';

SELECT eventlog._guard_partition('eventlog.events_default'::regclass);
