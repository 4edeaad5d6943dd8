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
  v_archived boolean;
BEGIN
  IF get_event.max_rows IS NULL OR get_event.max_rows < 1 OR get_event.max_rows > 10000 THEN
    -- NULL and negative etags are refused first, as they always were.
    PERFORM eventlog._position_of(get_event.after_etag);
    RAISE EXCEPTION 'max_rows must be between 1 and 10000, got %', coalesce(get_event.max_rows::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Read in batches of at most 10000 events.';
  END IF;

  -- The fast path, one statement for an etag in the log: its position, the etag floor (closed
  -- etag ranges below it hold only earlier events, so runtime pruning leaves their partitions out;
  -- the statement of _etag_floor, inlined) and whether an archived range holds an event at or
  -- after the position (archived ranges are closed, so one can only lie at or above the floor).
  -- Each helper call costs a function call with its own search_path; see docs/benchmarks.md
  -- ("get_event after partitioning").
  SELECT e.tx_order,
         COALESCE(f.etag, 0),
         EXISTS (SELECT FROM eventlog.archived_ranges AS a
                 WHERE a.from_etag >= COALESCE(f.etag, 0) AND a.max_tx_order >= e.tx_order
                   AND (a.max_tx_order > e.tx_order OR get_event.after_etag < a.to_etag))
  INTO v_after_tx_order, v_etag_floor, v_archived
  FROM eventlog.events AS e
  LEFT JOIN LATERAL (
    (SELECT r.from_etag AS etag FROM eventlog.partition_ranges AS r
     WHERE r.max_tx_order_so_far IS NOT NULL AND r.max_tx_order_so_far >= e.tx_order
     ORDER BY r.max_tx_order_so_far, r.from_etag LIMIT 1)
    UNION ALL
    (SELECT r.to_etag FROM eventlog.partition_ranges AS r
     WHERE r.max_tx_order_so_far IS NOT NULL
     ORDER BY r.max_tx_order_so_far DESC, r.from_etag DESC LIMIT 1)
    LIMIT 1) AS f ON true
  WHERE e.etag = get_event.after_etag;
  IF NOT FOUND THEN
    -- 0 (the beginning), an etag whose event was removed since (compaction) or archived, or one
    -- to refuse (NULL, negative, never returned by the log).
    v_after_tx_order := eventlog._position_of(get_event.after_etag);
    v_etag_floor := eventlog._etag_floor(v_after_tx_order);
    v_archived := true;
  END IF;
  -- A position before an archived event: EL051 unless eventlog.skip_archived is on (an etag
  -- inside an archived range is answered by _position_of; docs/partitions.md).
  IF v_archived THEN
    PERFORM eventlog._check_archived(get_event.after_etag, v_after_tx_order, true);
  END IF;
  v_horizon := coalesce(eventlog._read_horizon(), 9223372036854775807);

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
