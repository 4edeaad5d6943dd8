-- The append-only guard (0005) and the append triggers (0025) are triggers, and the owner of a table
-- can switch triggers off (ALTER TABLE ... DISABLE TRIGGER), drop them, or add a BEFORE trigger of
-- its own that runs after ours and changes the row. An install run by a superuser therefore adds
-- an event trigger that checks, after every ALTER TABLE and every CREATE, ALTER or DROP TRIGGER,
-- and after CREATE TABLE (a PARTITION OF the log), that the log and each of its partitions still
-- carry their guards, and refuses (rolls back) the command that weakened them.
--
-- It also refuses DDL that takes events out of the log without touching a trigger, which
-- partitions made possible: a partition detached by hand (EL056); dropping one is refused by the
-- sql_drop trigger of 0050, which adds the sanctioned DDL (sanctioned_changes) that lets trusted
-- code such as set_partition_size() and a conversion through. This is the one definition of the
-- function; the parts that read tables of later migrations (sanctioned_changes, 0034;
-- archived_ranges, 0045) look them up first.
--
-- What it does not stop, and docs/ordering.md says so: a superuser dropping or disabling the event
-- trigger itself, anyone who may drop the schema or the table, and CREATE OR REPLACE of our
-- functions by their owner. Installs by a role that is not a superuser get no event trigger (only
-- a superuser may create one); the migration says so with a NOTICE.

CREATE FUNCTION eventlog.tg_guard_log_ddl()
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
  -- A restore (a superuser's pg_restore or psql -f of a dump, _restoring(), 0004) attaches the
  -- dumped range partitions in its first section and gives them their triggers and primary keys
  -- only in its last one; into an extension install this trigger is there throughout. A superuser
  -- could disable it anyway.
  IF eventlog._restoring() THEN
    RETURN;
  END IF;
  -- DDL a sanctioned function runs (set_partition_size, a conversion; sanctioned_changes, 0034
  -- and 0050): only the owner can hold the row. A role that may not read the table cannot have
  -- one and goes on to the checks (nested IFs: a query naming the table is refused as a whole
  -- before any of it runs, and the table does not exist before 0034).
  IF pg_catalog.to_regclass('eventlog.sanctioned_changes') IS NOT NULL THEN
    IF pg_catalog.has_table_privilege('eventlog.sanctioned_changes', 'SELECT') THEN
      IF EXISTS (
        SELECT 1 FROM eventlog.sanctioned_changes AS c
        WHERE c.transaction_id = pg_catalog.pg_current_xact_id_if_assigned() AND c.operation = 'DDL'
      ) THEN
        RETURN;
      END IF;
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

  -- Each partition's primary key on etag (0004: the log has none of its own) keeps etags unique.
  SELECT pg_catalog.string_agg(p.inhrelid::regclass::text, ', ' ORDER BY p.inhrelid::regclass::text) INTO v_missing
  FROM pg_catalog.pg_inherits AS p
  WHERE p.inhparent = v_events
    AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_constraint AS c
      JOIN pg_catalog.pg_attribute AS a ON a.attrelid = p.inhrelid AND a.attname = 'etag'
      WHERE c.conrelid = p.inhrelid AND c.contype = 'p' AND c.conkey = ARRAY[a.attnum]
    );
  IF v_missing IS NOT NULL THEN
    RAISE EXCEPTION '% would leave partition(s) % of eventlog.events without a primary key on etag', tg_tag, v_missing
      USING ERRCODE = 'EL003',
            DETAIL = 'The partitions'' primary keys keep etags unique.',
            HINT = 'Let ensure_partitions() create partitions; it gives each one its primary key.';
  END IF;

  -- A partition detached by hand (ALTER TABLE eventlog.events DETACH PARTITION): after an
  -- ALTER TABLE of the log itself, a table that carries the partitions' statement guards but is
  -- neither a partition of the log nor recorded in archived_ranges (as detach_partitions() records
  -- each table before it detaches it) was taken out of the log with its events. PostgreSQL does
  -- not say which subcommand ran; the state after it does. DETACH ... CONCURRENTLY is refused by
  -- PostgreSQL itself while the log has its default partition.
  -- (archived_ranges exists from 0045 on.)
  IF tg_tag = 'ALTER TABLE' AND pg_catalog.to_regclass('eventlog.archived_ranges') IS NOT NULL AND EXISTS (
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
  'Event trigger function: refuses DDL that disables or drops the log''s triggers (on it or a partition), adds a BEFORE row trigger to it or a partition, drops a partition''s primary key, or detaches a partition by hand.';

DO $$
DECLARE
  v_name text := 'eventlog' || '_guard';
BEGIN
  IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user) THEN
    RAISE NOTICE 'not creating event trigger %: only a superuser may create one', v_name
      USING DETAIL = 'Without it, the owner of eventlog.events can still disable the log''s triggers.',
            HINT = 'Run the install as a superuser to add it; docs/ordering.md says what it guards.';
    RETURN;
  END IF;
  EXECUTE pg_catalog.format(
    'CREATE EVENT TRIGGER %I ON ddl_command_end WHEN TAG IN (%L, %L, %L, %L, %L) EXECUTE FUNCTION eventlog.tg_guard_log_ddl()',
    v_name, 'ALTER TABLE', 'CREATE TRIGGER', 'ALTER TRIGGER', 'DROP TRIGGER', 'CREATE TABLE');
  EXECUTE pg_catalog.format('COMMENT ON EVENT TRIGGER %I IS %L', v_name,
    'pg-eventlog: refuses DDL that would switch off the guards of eventlog.events.');
END;
$$;
