-- log_end() (0043) with the read horizon inlined, and without its plan_cache_mode setting. 0043
-- called _read_horizon(), a second plpgsql function with a SET clause of its own, and set
-- plan_cache_mode = force_generic_plan for its probe. Here the horizon is one statement on the
-- clock row in log_end() itself, and the probe is planned as PL/pgSQL plans any statement with a
-- parameter (a few custom plans, then the cached generic one). Measured as backend CPU over 20,000
-- calls on a log of 8 partitions (docs/benchmarks.md#push-delivery): 32 us a call instead of 87;
-- the same function with plan_cache_mode kept cost 89-97 us, and one statement with the horizon
-- as a subquery 103-114 us. Same result as before: the etag of the last event in log order below
-- the read horizon, 0 for an empty log. It is what every check of the wake-up watcher that finds
-- the oldest running transaction id moved pays (docs/push.md). Keep the horizon rule alike with
-- _read_horizon() (0006).
CREATE OR REPLACE FUNCTION eventlog.log_end()
RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_horizon bigint;
  v_etag bigint;
BEGIN
  -- _read_horizon() (0006), inline: no limit while the clock row is another cluster's and no
  -- append has happened here yet.
  SELECT CASE WHEN c.verified_start <> pg_catalog.pg_postmaster_start_time()
                   AND c.system_identifier <> (pg_catalog.pg_control_system()).system_identifier
              THEN 9223372036854775807
              ELSE pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text::bigint + c.xid_offset
         END
  INTO STRICT v_horizon
  FROM eventlog.clock AS c;
  SELECT e.etag INTO v_etag
  FROM eventlog.events AS e
  WHERE e.tx_order < v_horizon
  ORDER BY e.tx_order DESC, e.etag DESC
  LIMIT 1;
  RETURN coalesce(v_etag, 0);
END;
$$;

COMMENT ON FUNCTION eventlog.log_end() IS
  'Etag of the last readable event in log order (0 when there is none); changes exactly when new events become readable.';

REVOKE EXECUTE ON FUNCTION eventlog.log_end() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.log_end() TO eventlog_reader, eventlog_admin;
