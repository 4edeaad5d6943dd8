-- The append-only guard (0005) and the append triggers (0025) are triggers, and the owner of a table
-- can switch triggers off (ALTER TABLE ... DISABLE TRIGGER), drop them, or add a BEFORE trigger of
-- its own that runs after ours and changes the row. An install run by a superuser therefore adds
-- an event trigger that checks, after every ALTER TABLE and every CREATE, ALTER or DROP TRIGGER,
-- and after CREATE TABLE (a PARTITION OF the log), that the log and each of its partitions still
-- carry their guards, and refuses (rolls back) the command that weakened them.
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
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.tg_guard_log_ddl() FROM PUBLIC;

COMMENT ON FUNCTION eventlog.tg_guard_log_ddl() IS
  'Event trigger function: refuses DDL that disables or drops the log''s triggers (on it or a partition), adds a BEFORE row trigger to it or a partition, or drops its primary key.';

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
