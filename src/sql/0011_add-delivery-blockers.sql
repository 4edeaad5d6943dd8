-- Readers only receive events below the horizon: the oldest transaction id still running anywhere
-- in the cluster. This lists the transactions that currently keep committed events from readers.
CREATE FUNCTION eventlog.delivery_blockers()
RETURNS TABLE (
  pid integer,
  database name,
  username name,
  application_name text,
  state text,
  xact_start timestamptz,
  xact_age interval,
  backend_xid xid,
  held_back_events bigint,
  query text
)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_offset bigint;
  v_next_xid bigint := pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot())::text::bigint;
BEGIN
  SELECT c.xid_offset INTO STRICT v_offset FROM eventlog.clock AS c;
  RETURN QUERY
    WITH running AS (
      SELECT a.pid, a.datname, a.usename, a.application_name, a.state, a.xact_start, a.backend_xid, a.query
      FROM pg_catalog.pg_stat_activity AS a
      WHERE a.backend_xid IS NOT NULL
      UNION ALL
      SELECT NULL::integer, p.database, p.owner, 'prepared transaction ' || p.gid, 'prepared', p.prepared, p.transaction, NULL::text
      FROM pg_catalog.pg_prepared_xacts AS p
    ),
    positioned AS (
      -- Widen the 32-bit xid to its 64-bit form (it is within 2^31 of the next xid), then to a log position.
      SELECT r.*,
        v_next_xid - ((v_next_xid % 4294967296) - r.backend_xid::text::bigint + 4294967296) % 4294967296 + v_offset AS tx_order
      FROM running AS r
    )
    SELECT p.pid, p.datname, p.usename, p.application_name, p.state, p.xact_start,
      pg_catalog.now() - p.xact_start, p.backend_xid, held.n, p.query
    FROM positioned AS p
    CROSS JOIN LATERAL (
      SELECT count(*) AS n
      FROM (SELECT 1 FROM eventlog.events AS e WHERE e.tx_order > p.tx_order LIMIT 1000000) AS held_back
    ) AS held
    WHERE held.n > 0
    ORDER BY p.tx_order;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.delivery_blockers() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.delivery_blockers() TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.delivery_blockers() IS
  'Open transactions that keep committed events from readers, oldest first, with how many events each holds back (counted up to 1000000).';
