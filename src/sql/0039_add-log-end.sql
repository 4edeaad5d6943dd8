-- The end of the readable log: the etag of the last event in log order below the read horizon
-- (0 for an empty log). Below the horizon the log is final, so this value only moves forward (or
-- back, once, when forget/compaction removes that very event), and it changes exactly when new
-- events become readable. The wake-up watcher (docs/push.md) polls it and sends one NOTIFY per
-- change, so that no writer ever sends one. One backward index probe of (tx_order, etag).
-- SECURITY DEFINER: the horizon function is the installing role's; readers only get the number.
CREATE FUNCTION eventlog.log_end()
RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_horizon bigint := coalesce(eventlog._read_horizon(), 9223372036854775807);
  v_etag bigint;
BEGIN
  SELECT e.etag INTO v_etag
  FROM eventlog.events AS e
  WHERE e.tx_order < v_horizon
  ORDER BY e.tx_order DESC, e.etag DESC
  LIMIT 1;
  RETURN coalesce(v_etag, 0);
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.log_end() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.log_end() TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.log_end() IS
  'Etag of the last readable event in log order (0 when there is none); changes exactly when new events become readable.';

-- Waits, on the server, until log_end() differs from after_etag, and returns the new end; after
-- timeout_ms without a change it returns the (unchanged) end. It checks every interval_ms
-- (pg_sleep, so at most once per millisecond), each check taking a fresh snapshot (a VOLATILE
-- function's statements do), so the watcher makes one round trip per advance (or per timeout)
-- instead of one per check. A check on a cluster where no transaction id finished since the last
-- one costs a snapshot, not the probe (see the loop). It writes nothing and takes no transaction id, so waiting never holds
-- delivery back; it works on a hot standby.
CREATE FUNCTION eventlog.wait_for_log_end(after_etag bigint, timeout_ms integer DEFAULT 1000, interval_ms integer DEFAULT 1)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_deadline timestamptz;
  v_end bigint;
  v_xmin xid8;
  v_checked_xmin xid8;
BEGIN
  IF wait_for_log_end.after_etag IS NULL THEN
    RAISE EXCEPTION 'after_etag must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass the log end you last saw (log_end(), 0 for an empty log).';
  END IF;
  IF wait_for_log_end.timeout_ms IS NULL OR wait_for_log_end.interval_ms IS NULL THEN
    RAISE EXCEPTION '% must not be NULL', CASE WHEN wait_for_log_end.timeout_ms IS NULL THEN 'timeout_ms' ELSE 'interval_ms' END
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Leave it out for the default (timeout_ms 1000, interval_ms 1).';
  END IF;
  IF wait_for_log_end.timeout_ms < 0 OR wait_for_log_end.timeout_ms > 60000 THEN
    RAISE EXCEPTION 'timeout_ms must be between 0 and 60000, got %', wait_for_log_end.timeout_ms
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Wait at most a minute per call, and call again.';
  END IF;
  IF wait_for_log_end.interval_ms < 1 OR wait_for_log_end.interval_ms > 1000 THEN
    RAISE EXCEPTION 'interval_ms must be between 1 and 1000, got %', wait_for_log_end.interval_ms
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Check at most every millisecond and at least every second.';
  END IF;
  v_deadline := pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => wait_for_log_end.timeout_ms / 1000.0);
  v_checked_xmin := pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot());
  v_end := eventlog.log_end();
  LOOP
    EXIT WHEN v_end <> wait_for_log_end.after_etag OR pg_catalog.clock_timestamp() >= v_deadline;
    PERFORM pg_catalog.pg_sleep(wait_for_log_end.interval_ms / 1000.0);
    -- Events only become readable when the horizon passes them, and the horizon is the oldest
    -- running transaction id plus a constant: while that id stays put, no transaction below it
    -- can finish, so the end cannot have moved and the check (an index probe under two
    -- functions, tens of microseconds) is skipped. It moves with every finished writing
    -- transaction in the cluster, so a busy cluster pays the probe on every check.
    v_xmin := pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot());
    IF v_xmin <> v_checked_xmin THEN
      v_checked_xmin := v_xmin;
      v_end := eventlog.log_end();
    END IF;
  END LOOP;
  RETURN v_end;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.wait_for_log_end(bigint, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.wait_for_log_end(bigint, integer, integer) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.wait_for_log_end(bigint, integer, integer) IS
  'Waits up to timeout_ms for log_end() to differ from after_etag, checking every interval_ms; returns the log end.';
