-- Plans are generic (plan_cache_mode). The batch query has one sensible plan, the (tx_order, etag)
-- index scan, but PostgreSQL prices a generic plan's LIMIT max_rows at a tenth of the table, so it
-- never prefers it to a custom plan and plans the query again on every call: 35-80 us of CPU, most
-- of what kept get_event(after, 100) behind a keyset scan (docs/benchmarks.md, "get_event(after,
-- 100) at 0.50×").
--
-- The batch query also names an etag ceiling, the etag sequence's last value read after the
-- snapshot: every event this snapshot can see took its etag before it committed, so before that
-- read. With it, the generic plan's initial pruning leaves out the partitions above the log's end
-- (ensure_partitions keeps two empty ones ahead, and there is the default partition), whose index
-- scans were started and probed on every call: about a fifth of a call at batch 10 (docs/
-- benchmarks.md, "get_event(after, n) after the fast path"). The ceiling and the floor make the
-- etag range look small to the planner, which would then read it through the primary key and
-- sort it: enable_sort = off keeps the (tx_order, etag) index scan, the only sensible plan.
-- The ceiling is used only while the horizon is known (the clock row is this cluster's): in the
-- middle of a restore the sequence may not have been set yet.
CREATE FUNCTION eventlog.get_event(after_etag bigint DEFAULT 0, max_rows integer DEFAULT 1)
RETURNS SETOF eventlog.events
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_sort = off
AS $$
DECLARE
  v_after_tx_order bigint;
  v_horizon bigint;
  v_etag_floor bigint;
  v_archived boolean;
  v_etag_ceiling bigint;
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
  -- after the position (archived ranges are closed, so one can only lie at or above the floor);
  -- and the horizon (the statement of _read_horizon, 0006, inlined: keep them alike) and the etag
  -- ceiling. Each helper call costs a function call with its own search_path; see docs/benchmarks.md
  -- ("get_event after partitioning").
  SELECT e.tx_order,
         COALESCE(f.etag, 0),
         EXISTS (SELECT FROM eventlog.archived_ranges AS a
                 WHERE a.from_etag >= COALESCE(f.etag, 0) AND a.max_tx_order >= e.tx_order
                   AND (a.max_tx_order > e.tx_order OR get_event.after_etag < a.to_etag)),
         CASE WHEN c.verified_start <> pg_catalog.pg_postmaster_start_time()
                   AND c.system_identifier <> (pg_catalog.pg_control_system()).system_identifier THEN NULL
              ELSE pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text::bigint + c.xid_offset END,
         pg_catalog.pg_sequence_last_value('eventlog.events_etag_seq'::pg_catalog.regclass)
  INTO v_after_tx_order, v_etag_floor, v_archived, v_horizon, v_etag_ceiling
  FROM eventlog.events AS e
  CROSS JOIN eventlog.clock AS c
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
    v_horizon := eventlog._read_horizon();
    v_etag_ceiling := pg_catalog.pg_sequence_last_value('eventlog.events_etag_seq'::pg_catalog.regclass);
  END IF;
  -- A position before an archived event: EL051 unless eventlog.skip_archived is on (an etag
  -- inside an archived range is answered by _position_of; docs/partitions.md).
  IF v_archived THEN
    PERFORM eventlog._check_archived(get_event.after_etag, v_after_tx_order, true);
  END IF;
  IF v_horizon IS NULL OR v_etag_ceiling IS NULL THEN
    v_horizon := coalesce(v_horizon, 9223372036854775807);
    v_etag_ceiling := 9223372036854775807;
  END IF;

  RETURN QUERY
    SELECT e.*
    FROM eventlog.events AS e
    WHERE (e.tx_order, e.etag) > (v_after_tx_order, get_event.after_etag)
      AND e.tx_order < v_horizon
      AND e.etag >= v_etag_floor AND e.etag <= v_etag_ceiling
    ORDER BY e.tx_order, e.etag
    LIMIT get_event.max_rows;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.get_event(bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.get_event(bigint, integer) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.get_event(bigint, integer) IS
  'Up to max_rows events after after_etag (0: the beginning) in log order, only from committed transactions no earlier one can still precede.';
