-- log_end() reads only the newest etag ranges of the log. Its probe (the last event in log order
-- below the read horizon) was a backward scan of (tx_order, etag) over every partition: a Merge
-- Append that descends each partition's index once before it can return the first row, so a call
-- cost grew with the number of partitions (2.3 ms at 129 partitions, docs/benchmarks.md "The
-- partitioned log at scale"), and the wake-up watcher makes one per advance of the horizon.
--
-- The bound is the etag floor the reads use (_etag_floor, 0044). S, the highest running maximum
-- of a closed range below the horizon, is the position of an event that was readable when its
-- range closed; the answer lies at S or later, and every event at position S or later lies at or
-- above the first closed range whose running maximum reaches S (ranges below it hold only events
-- before S). So the probe adds etag >= that range's start, and etag <= the sequence's last value
-- (the ranges ahead hold nothing yet), and runtime pruning leaves the older partitions out. The
-- event at S may since have been removed (forget, compaction) and nothing later be readable: the
-- bounded probe then finds nothing at S or later, and the whole log is probed as before, which
-- is always right. With no closed range the floor is 0 (the whole log, as before).
--
-- force_generic_plan keeps one plan whose partitions are pruned at run time; custom plans (one
-- planning per call over every partition) cost 100-180 us a call. enable_sort = off, as in
-- get_event (0010): the generic plan estimates the etag bounds at a couple of rows and would
-- read the current partition by its primary key and sort it (240 us at 1,000 events, and a
-- whole partition at 10M) instead of one backward step of the (tx_order, etag) index. jit = off
-- as in 0056. Same result as 0054's.
--
-- Measured (DO loops of 2,000 calls, 2026-12-03, load below 1; ranges of runs): 131 partitions
-- 950 us -> 67-100 us a call; 17 partitions 32-34 -> 30-47 us; 4 partitions 23-27 -> 32-40 us.
-- The bound's own look-up and settings cost about 10 us, which the log wins back once it has a
-- few dozen partitions (docs/benchmarks.md, "The partitioned log at scale").
CREATE OR REPLACE FUNCTION eventlog.log_end()
RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_sort = off
SET jit = off
AS $$
DECLARE
  v_horizon bigint;
  v_so_far bigint;
  v_floor bigint;
  v_ceiling bigint;
  v_etag bigint;
  v_tx_order bigint;
BEGIN
  -- The horizon (_read_horizon(), 0006, inline: no limit while the clock row is another
  -- cluster's and no append has happened here yet), S and its range, and the sequence's last
  -- value, in one statement.
  SELECT h.horizon, s.so_far,
    (SELECT r.from_etag FROM eventlog.partition_ranges AS r
     WHERE r.max_tx_order_so_far = s.so_far
     ORDER BY r.from_etag LIMIT 1),
    coalesce(pg_catalog.pg_sequence_last_value('eventlog.events_etag_seq'::pg_catalog.regclass), 9223372036854775807)
  INTO STRICT v_horizon, v_so_far, v_floor, v_ceiling
  FROM (SELECT CASE WHEN c.verified_start <> pg_catalog.pg_postmaster_start_time()
                         AND c.system_identifier <> (pg_catalog.pg_control_system()).system_identifier
                    THEN 9223372036854775807
                    ELSE pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text::bigint + c.xid_offset
               END AS horizon
        FROM eventlog.clock AS c) AS h
  CROSS JOIN LATERAL (
    SELECT pg_catalog.max(r.max_tx_order_so_far) AS so_far
    FROM eventlog.partition_ranges AS r
    WHERE r.max_tx_order_so_far < h.horizon) AS s;

  SELECT e.etag, e.tx_order INTO v_etag, v_tx_order
  FROM eventlog.events AS e
  WHERE e.tx_order < v_horizon
    AND e.etag >= coalesce(v_floor, 0) AND e.etag <= v_ceiling
  ORDER BY e.tx_order DESC, e.etag DESC
  LIMIT 1;
  IF v_so_far IS NOT NULL AND (v_etag IS NULL OR v_tx_order < v_so_far) THEN
    -- The event at S was removed and nothing after it is readable: the whole log.
    SELECT e.etag INTO v_etag
    FROM eventlog.events AS e
    WHERE e.tx_order < v_horizon
    ORDER BY e.tx_order DESC, e.etag DESC
    LIMIT 1;
  END IF;
  RETURN coalesce(v_etag, 0);
END;
$$;

COMMENT ON FUNCTION eventlog.log_end() IS
  'Etag of the last readable event in log order (0 when there is none); changes exactly when new events become readable.';

REVOKE EXECUTE ON FUNCTION eventlog.log_end() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.log_end() TO eventlog_reader, eventlog_admin;
