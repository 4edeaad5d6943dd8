-- Plans are generic (plan_cache_mode). The batch query has one sensible plan, the (tx_order, etag)
-- index scan, but PostgreSQL prices a generic plan's LIMIT max_rows at a tenth of the table, so it
-- never prefers it to a custom plan and plans the query again on every call: 35-80 us of CPU, most
-- of what kept get_event(after, 100) behind a keyset scan (docs/benchmarks.md, "get_event(after,
-- 100) at 0.50×").
CREATE FUNCTION eventlog.get_event(after_etag bigint DEFAULT 0, max_rows integer DEFAULT 1)
RETURNS SETOF eventlog.events
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_after_tx_order bigint;
  v_horizon bigint;
  v_etag_floor bigint;
BEGIN
  -- The etag's position, also for an etag whose event was removed since (compaction); refuses NULL,
  -- negative etags and etags the log never returned. Defined with removed_positions, later.
  v_after_tx_order := eventlog._position_of(get_event.after_etag);

  IF get_event.max_rows IS NULL OR get_event.max_rows < 1 OR get_event.max_rows > 10000 THEN
    RAISE EXCEPTION 'max_rows must be between 1 and 10000, got %', coalesce(get_event.max_rows::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Read in batches of at most 10000 events.';
  END IF;

  -- A position before an archived event: EL051 unless eventlog.skip_archived is on (an etag
  -- inside an archived range is answered by _position_of; docs/partitions.md).
  PERFORM eventlog._check_archived(get_event.after_etag, v_after_tx_order, true);
  v_horizon := coalesce(eventlog._read_horizon(), 9223372036854775807);
  -- Closed etag ranges below this hold only earlier events: runtime pruning leaves their
  -- partitions out (docs/partitions.md).
  v_etag_floor := eventlog._etag_floor(v_after_tx_order);

  RETURN QUERY
    SELECT e.*
    FROM eventlog.events AS e
    WHERE (e.tx_order, e.etag) > (v_after_tx_order, get_event.after_etag)
      AND e.tx_order < v_horizon
      AND e.etag >= v_etag_floor
    ORDER BY e.tx_order, e.etag
    LIMIT get_event.max_rows;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.get_event(bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.get_event(bigint, integer) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.get_event(bigint, integer) IS
  'Up to max_rows events after after_etag (0: the beginning) in log order, only from committed transactions no earlier one can still precede.';
