-- An aggregate in one round trip: the stream's newest snapshot, then every event after it, read
-- in one statement so the two agree.
CREATE FUNCTION eventlog.load_stream(stream text)
RETURNS TABLE (
  kind text,
  version integer,
  etag bigint,
  event_type text,
  data jsonb,
  metadata jsonb,
  ctime timestamptz
)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF load_stream.stream IS NULL OR load_stream.stream = '' OR pg_catalog.length(load_stream.stream) > 200
     OR load_stream.stream ~ '[[:cntrl:]]' THEN
    PERFORM eventlog._check_name('stream', load_stream.stream);
  END IF;
  RETURN QUERY
    WITH snapshot AS (
      SELECT n.version, n.state, n.ctime
      FROM eventlog.snapshots AS n
      WHERE n.stream = load_stream.stream
      ORDER BY n.version DESC
      LIMIT 1
    )
    SELECT 'snapshot'::text, s.version, NULL::bigint, NULL::text, s.state, NULL::jsonb, s.ctime
    FROM snapshot AS s
    UNION ALL
    SELECT 'event'::text, e.version, e.etag, e.event_type, e.payload, e.metadata, e.ctime
    FROM eventlog.events AS e
    WHERE e.stream = load_stream.stream
      AND e.version > coalesce((SELECT s.version FROM snapshot AS s), 0)
    ORDER BY 2, 1 DESC;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.load_stream(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.load_stream(text) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.load_stream(text) IS
  'A stream''s newest snapshot (kind ''snapshot'', data = state) and then its events after it (kind ''event'', data = payload).';
