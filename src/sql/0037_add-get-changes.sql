-- get_changes(tbl): one tracked table's replication log, read like get_event(after_etag): in log
-- order, from any etag the log returned, and only below the read horizon (0006), so that no later
-- read can find an event in front of one already returned. Any later read therefore shares a
-- common prefix with any earlier one. The table's events are those whose stream starts with its
-- stream prefix (tracked_tables) and whose type is insert, update or delete. Archived ranges
-- (detach_partitions) are answered as get_event answers them (_check_archived, defined later).
--
-- Cost: the read walks the log in log order from the position and skips other events; a table
-- whose changes are rare among many other events costs a scan of those events (docs/capture.md).
CREATE FUNCTION eventlog.get_changes(tbl regclass, after_etag bigint DEFAULT 0, max_rows integer DEFAULT 1000)
RETURNS SETOF eventlog.events
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_prefix text;
  v_after_tx_order bigint;
  v_horizon bigint;
BEGIN
  IF get_changes.tbl IS NULL THEN
    RAISE EXCEPTION 'tbl must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass a tracked table; eventlog.tracked_tables lists them.';
  END IF;
  -- As get_event(after_etag): any etag the log returned, also one compacted since;
  -- refuses NULL, negative etags and etags the log never returned.
  v_after_tx_order := eventlog._position_of(get_changes.after_etag);

  IF get_changes.max_rows IS NULL OR get_changes.max_rows < 1 OR get_changes.max_rows > 10000 THEN
    RAISE EXCEPTION 'max_rows must be between 1 and 10000, got %', coalesce(get_changes.max_rows::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Read in batches of at most 10000 events.';
  END IF;

  SELECT t.stream_prefix INTO v_prefix FROM eventlog.tracked_tables AS t WHERE t.tbl = get_changes.tbl;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'table % is not tracked', get_changes.tbl
      USING ERRCODE = 'EL042',
            HINT = 'eventlog.tracked_tables lists the tracked tables; track_table starts tracking one.';
  END IF;

  -- A position before an archived event: get_event(after_etag)'s answer (EL051, or on with
  -- eventlog.skip_archived), also when the archived range held no change of this table: it is not
  -- in the log to look at. An etag inside an archived range is answered by _position_of.
  PERFORM eventlog._check_archived(get_changes.after_etag, v_after_tx_order, true);
  v_horizon := coalesce(eventlog._read_horizon(), 9223372036854775807);

  RETURN QUERY
    SELECT e.*
    FROM eventlog.events AS e
    WHERE (e.tx_order, e.etag) > (v_after_tx_order, get_changes.after_etag)
      AND e.tx_order < v_horizon
      AND pg_catalog.starts_with(e.stream, v_prefix)
      AND e.event_type IN ('insert', 'update', 'delete')
    ORDER BY e.tx_order, e.etag
    LIMIT get_changes.max_rows;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.get_changes(regclass, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.get_changes(regclass, bigint, integer) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.get_changes(regclass, bigint, integer) IS
  'Up to max_rows change events of a tracked table after after_etag (0: the beginning), in log order, only from finished transactions.';
