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
