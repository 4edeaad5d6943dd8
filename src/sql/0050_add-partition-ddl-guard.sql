-- The DDL guard (0026) kept the log's triggers in place, but DDL can also take events out of the
-- log without touching a trigger: ALTER TABLE eventlog.events DETACH PARTITION, or DROP TABLE of
-- a partition (or of the log alone). Readers would then skip those events silently. This
-- migration refuses them (EL056, EL057) and keeps the sanctioned ways that do the same on purpose
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

-- Restated from 0026 in full, with the sanctioned DDL and the hand detach added.
CREATE OR REPLACE FUNCTION eventlog.tg_guard_log_ddl()
RETURNS event_trigger
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_events regclass;
  v_missing text;
  v_foreign text;
  v_stray text;
BEGIN
  -- A role without USAGE on the schema cannot touch the log or attach to it (the guard also fires
  -- on everyone's CREATE TABLE), and could not look it up.
  IF NOT pg_catalog.has_schema_privilege('eventlog', 'USAGE') THEN
    RETURN;
  END IF;
  v_events := pg_catalog.to_regclass('eventlog.events');
  IF v_events IS NULL THEN
    RETURN; -- the log itself is gone (uninstall drops the schema); nothing left to guard
  END IF;
  -- DDL a sanctioned function runs (set_partition_size, a conversion): only the owner can hold
  -- the row. A role that may not read the table cannot have one and goes on to the checks (two
  -- IFs: a query naming the table is refused as a whole before any of it runs).
  IF pg_catalog.has_table_privilege('eventlog.sanctioned_changes', 'SELECT') THEN
    IF EXISTS (
      SELECT 1 FROM eventlog.sanctioned_changes AS c
      WHERE c.transaction_id = pg_catalog.pg_current_xact_id_if_assigned() AND c.operation = 'DDL'
    ) THEN
      RETURN;
    END IF;
  END IF;

  -- Our triggers, each present and firing always (also under session_replication_role = replica).
  SELECT pg_catalog.string_agg(w.tgname, ', ' ORDER BY w.tgname) INTO v_missing
  FROM (VALUES ('_100_refuse_update_delete'), ('_100_refuse_truncate'), ('_100_check_append'),
               ('_200_assign_stream_version')) AS w (tgname)
  WHERE NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_trigger AS t
    WHERE t.tgrelid = v_events AND t.tgname = w.tgname AND t.tgenabled = 'A'
  );
  IF v_missing IS NOT NULL THEN
    RAISE EXCEPTION '% would leave eventlog.events without its trigger(s) %, or with them disabled', tg_tag, v_missing
      USING ERRCODE = 'EL003',
            DETAIL = 'These triggers keep the log append-only and compute every event''s position and stream version.',
            HINT = 'The log''s guards cannot be switched off. To remove pg-eventlog, uninstall it (npx pg-eventlog uninstall).';
  END IF;

  -- A row trigger of someone else's that runs BEFORE INSERT or UPDATE could change a row after our
  -- checks. AFTER triggers and statement triggers cannot, and are left alone.
  SELECT pg_catalog.string_agg(t.tgname, ', ' ORDER BY t.tgname) INTO v_foreign
  FROM pg_catalog.pg_trigger AS t
  WHERE t.tgrelid = v_events
    AND NOT t.tgisinternal
    AND t.tgtype::integer & 1 = 1       -- FOR EACH ROW
    AND t.tgtype::integer & 2 = 2       -- BEFORE
    AND t.tgtype::integer & (4 | 16) <> 0 -- INSERT or UPDATE
    AND t.tgname NOT IN ('_100_check_append', '_200_assign_stream_version');
  IF v_foreign IS NOT NULL THEN
    RAISE EXCEPTION '% would add the BEFORE row trigger(s) % to eventlog.events', tg_tag, v_foreign
      USING ERRCODE = 'EL003',
            DETAIL = 'A BEFORE row trigger could change an event after pg-eventlog has checked it.',
            HINT = 'Use an AFTER trigger to react to new events.';
  END IF;

  -- Every partition carries the same guards (docs/partitions.md): the row triggers PostgreSQL
  -- clones to it (a clone can be disabled on one partition alone) and the statement triggers that
  -- are not cloned (an UPDATE, DELETE or TRUNCATE naming the partition fires only its own). This
  -- also refuses a partition created or attached by hand without them.
  SELECT pg_catalog.string_agg(pg_catalog.format('%s (%s)', p.inhrelid::regclass, m.missing), ', ' ORDER BY p.inhrelid::regclass::text) INTO v_missing
  FROM pg_catalog.pg_inherits AS p
  CROSS JOIN LATERAL (
    SELECT pg_catalog.string_agg(w.tgname, ', ' ORDER BY w.tgname) AS missing
    FROM (VALUES ('_100_refuse_update_delete'), ('_100_refuse_truncate'), ('_100_check_append'),
                 ('_200_assign_stream_version')) AS w (tgname)
    WHERE NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_trigger AS t
      WHERE t.tgrelid = p.inhrelid AND t.tgname = w.tgname AND t.tgenabled = 'A'
    )
  ) AS m
  WHERE p.inhparent = v_events AND m.missing IS NOT NULL;
  IF v_missing IS NOT NULL THEN
    RAISE EXCEPTION '% would leave partition(s) % of eventlog.events without those trigger(s), or with them disabled', tg_tag, v_missing
      USING ERRCODE = 'EL003',
            DETAIL = 'Every partition of the log carries the log''s guards.',
            HINT = 'Let ensure_partitions() create partitions; it gives each one the guards.';
  END IF;

  SELECT pg_catalog.string_agg(pg_catalog.format('%s on %s', t.tgname, t.tgrelid::regclass), ', ' ORDER BY t.tgname) INTO v_foreign
  FROM pg_catalog.pg_inherits AS p
  JOIN pg_catalog.pg_trigger AS t ON t.tgrelid = p.inhrelid
  WHERE p.inhparent = v_events
    AND NOT t.tgisinternal
    AND t.tgtype::integer & 1 = 1
    AND t.tgtype::integer & 2 = 2
    AND t.tgtype::integer & (4 | 16) <> 0
    AND t.tgname NOT IN ('_100_check_append', '_200_assign_stream_version');
  IF v_foreign IS NOT NULL THEN
    RAISE EXCEPTION '% would add the BEFORE row trigger(s) % to a partition of eventlog.events', tg_tag, v_foreign
      USING ERRCODE = 'EL003',
            DETAIL = 'A BEFORE row trigger could change an event after pg-eventlog has checked it.',
            HINT = 'Use an AFTER trigger to react to new events.';
  END IF;

  IF NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_constraint AS c
    WHERE c.conrelid = v_events AND c.conname = 'events_pkey' AND c.contype = 'p'
  ) THEN
    RAISE EXCEPTION '% would drop the primary key of eventlog.events', tg_tag
      USING ERRCODE = 'EL003',
            DETAIL = 'The primary key keeps etags unique.';
  END IF;

  -- A partition detached by hand (ALTER TABLE eventlog.events DETACH PARTITION): after an
  -- ALTER TABLE of the log itself, a table that carries the partitions' statement guards but is
  -- neither a partition of the log nor recorded in archived_ranges (as detach_partitions() records
  -- each table before it detaches it) was taken out of the log with its events. PostgreSQL does
  -- not say which subcommand ran; the state after it does. DETACH ... CONCURRENTLY is refused by
  -- PostgreSQL itself while the log has its default partition.
  IF tg_tag = 'ALTER TABLE' AND EXISTS (
    SELECT 1 FROM pg_catalog.pg_event_trigger_ddl_commands() AS d
    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = v_events
  ) THEN
    SELECT pg_catalog.string_agg(c.oid::regclass::text, ', ' ORDER BY c.oid::regclass::text) INTO v_stray
    FROM pg_catalog.pg_trigger AS t
    JOIN pg_catalog.pg_class AS c ON c.oid = t.tgrelid
    WHERE t.tgname = '_100_refuse_truncate'
      AND t.tgfoid = 'eventlog.tg_events__refuse_change()'::pg_catalog.regprocedure
      AND c.oid <> v_events
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits AS p WHERE p.inhrelid = c.oid AND p.inhparent = v_events)
      AND NOT EXISTS (
        SELECT 1 FROM eventlog.archived_ranges AS a
        WHERE c.relnamespace = 'eventlog'::pg_catalog.regnamespace AND a.partition_name = c.relname::text
      );
    IF v_stray IS NOT NULL THEN
      RAISE EXCEPTION '% would detach % from eventlog.events by hand: its events would leave the log unrecorded', tg_tag, v_stray
        USING ERRCODE = 'EL056',
              DETAIL = 'Readers would skip those events without notice. detach_partitions() records every range it takes out in eventlog.archived_ranges, so that readers positioned there are told (EL051).',
              HINT = 'Archive closed ranges with SELECT * FROM eventlog.detach_partitions(before_etag), and attach them again with eventlog.reattach_partitions().';
    END IF;
  END IF;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.tg_guard_log_ddl() FROM PUBLIC;

COMMENT ON FUNCTION eventlog.tg_guard_log_ddl() IS
  'Event trigger function: refuses DDL that disables or drops the log''s triggers (on it or a partition), adds a BEFORE row trigger to it or a partition, drops its primary key, or detaches a partition by hand.';

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
