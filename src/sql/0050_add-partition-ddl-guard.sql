-- The DDL guard (0026) kept the log's triggers in place, but DDL can also take events out of the
-- log without touching a trigger: ALTER TABLE eventlog.events DETACH PARTITION, or DROP TABLE of
-- a partition (or of the log alone). Readers would then skip those events silently. The DDL
-- guard's function (defined once, in 0026) refuses the first (EL056), this migration's sql_drop
-- trigger the second (EL057), and both keep the sanctioned ways that do the same on purpose
-- (docs/partitions.md, "The DDL guard"):
--
-- * detach_partitions() records the range in archived_ranges before it detaches the partition, so
--   readers positioned there are told (EL051); reattach_partitions() attaches it again. A table
--   that is no longer a partition and is recorded as archived may be dropped (cold storage).
-- * DROP SCHEMA (uninstall) and DROP EXTENSION drop the log with everything else.
-- * Trusted code that must run such DDL itself (set_partition_size() dropping the empty
--   partitions it remakes; converting a log installed before partitions) holds a row
--   (transaction, 'DDL') in sanctioned_changes for those statements, as forget does for its
--   UPDATE (0034): _begin_sanctioned_change('DDL', purpose), the DDL,
--   _end_sanctioned_change('DDL'). The guard lets every DDL of that transaction through meanwhile.
--
-- TRUNCATE fires no event trigger; the statement guards every partition carries (0005) already
-- refuse it (EL002), on the log, on any partition and on an archived table.

ALTER TABLE eventlog.sanctioned_changes
  DROP CONSTRAINT sanctioned_changes_operation,
  ADD CONSTRAINT sanctioned_changes_operation CHECK (operation IN ('UPDATE', 'DELETE', 'DDL'));

COMMENT ON COLUMN eventlog.sanctioned_changes.operation IS
  'The one operation the guard lets through: UPDATE or DELETE (the append-only guard), DDL (the DDL guard, for the whole transaction until ended).';

-- The DDL guard's function, tg_guard_log_ddl(), is defined once, in 0026, with the sanctioned
-- DDL and the hand detach; this migration adds the drop guard beside it.

-- sql_drop: PostgreSQL lists what a statement dropped only to this event. A partition of the log
-- still carried the row triggers cloned from the log when it was dropped (a detached table no
-- longer does), so a dropped _100_check_append of another table means a partition went, with its
-- events. Dropping the log itself is refused too. Uninstall (DROP SCHEMA) and DROP EXTENSION are
-- not seen here: they drop this function, and with it the event trigger, in the same statement,
-- and PostgreSQL then runs no sql_drop trigger of theirs.
CREATE FUNCTION eventlog.tg_guard_log_drop()
RETURNS event_trigger
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_partitions text;
  v_log_dropped boolean;
BEGIN
  -- Cheap first: most drops have nothing to do with the log.
  SELECT
    pg_catalog.string_agg(pg_catalog.substr(d.object_identity, pg_catalog.length('_100_check_append on ') + 1), ', '
                          ORDER BY d.object_identity)
      FILTER (WHERE d.object_type = 'trigger' AND d.object_identity LIKE '\_100\_check\_append on %'
                AND d.object_identity <> '_100_check_append on eventlog.events'),
    pg_catalog.bool_or(d.object_type = 'table' AND d.object_identity = 'eventlog.events')
  INTO v_partitions, v_log_dropped
  FROM pg_catalog.pg_event_trigger_dropped_objects() AS d;
  IF v_partitions IS NULL AND NOT COALESCE(v_log_dropped, false) THEN
    RETURN;
  END IF;
  IF pg_catalog.has_table_privilege('eventlog.sanctioned_changes', 'SELECT') THEN
    IF EXISTS (
      SELECT 1 FROM eventlog.sanctioned_changes AS c
      WHERE c.transaction_id = pg_catalog.pg_current_xact_id_if_assigned() AND c.operation = 'DDL'
    ) THEN
      RETURN; -- a sanctioned DDL (tg_guard_log_ddl says more)
    END IF;
  END IF;
  IF v_log_dropped THEN
    RAISE EXCEPTION '% would drop the event log eventlog.events and every event in it', tg_tag
      USING ERRCODE = 'EL057',
            DETAIL = 'The log is dropped only with its schema, by uninstall.',
            HINT = 'To remove pg-eventlog, uninstall it (npx pg-eventlog uninstall).';
  END IF;
  RAISE EXCEPTION '% would drop partition(s) % of eventlog.events and the events in them', tg_tag, v_partitions
    USING ERRCODE = 'EL057',
          DETAIL = 'Readers would skip those events without notice. Only a table detach_partitions() archived may be dropped.',
          HINT = 'Archive closed ranges with SELECT * FROM eventlog.detach_partitions(before_etag); then dump the archived table (pg_dump -t) and drop it.';
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.tg_guard_log_drop() FROM PUBLIC;

COMMENT ON FUNCTION eventlog.tg_guard_log_drop() IS
  'Event trigger function: refuses dropping a partition of the log, or the log without its schema, except in a sanctioned DDL.';

-- Beside eventlog_guard, and only where it could be made (an install by a superuser).
DO $$
DECLARE
  v_name text := 'eventlog' || '_guard_drop';
BEGIN
  IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user) THEN
    RAISE NOTICE 'not creating event trigger %: only a superuser may create one', v_name
      USING DETAIL = 'Without it, the owner of eventlog.events can drop a partition of the log with its events.',
            HINT = 'Run the install as a superuser to add it; docs/partitions.md says what it guards.';
    RETURN;
  END IF;
  EXECUTE pg_catalog.format('CREATE EVENT TRIGGER %I ON sql_drop EXECUTE FUNCTION eventlog.tg_guard_log_drop()', v_name);
  EXECUTE pg_catalog.format('COMMENT ON EVENT TRIGGER %I IS %L', v_name,
    'pg-eventlog: refuses dropping a partition of eventlog.events, or the log without its schema.');
END;
$$;
