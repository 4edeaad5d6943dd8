-- Reading one stream: its events in version order, and its current version.
CREATE FUNCTION eventlog.read_stream(stream text, after_version integer DEFAULT 0, max_rows integer DEFAULT 1000)
RETURNS SETOF eventlog.events
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF read_stream.stream IS NULL OR read_stream.stream = '' OR pg_catalog.length(read_stream.stream) > 200
     OR read_stream.stream ~ '[[:cntrl:]]' THEN
    PERFORM eventlog._check_name('stream', read_stream.stream);
  END IF;
  IF read_stream.after_version IS NULL THEN
    RAISE EXCEPTION 'after_version must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass 0 to read the stream from its first event.';
  END IF;
  IF read_stream.after_version < 0 THEN
    RAISE EXCEPTION 'after_version must not be negative, got %', read_stream.after_version
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass 0 to read the stream from its first event.';
  END IF;
  IF read_stream.max_rows IS NULL OR read_stream.max_rows < 1 OR read_stream.max_rows > 10000 THEN
    RAISE EXCEPTION 'max_rows must be between 1 and 10000, got %', coalesce(read_stream.max_rows::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Read in batches of at most 10000 events.';
  END IF;
  RETURN QUERY
    SELECT e.*
    FROM eventlog.events AS e
    WHERE e.stream = read_stream.stream
      AND e.version > read_stream.after_version
    ORDER BY e.version
    LIMIT read_stream.max_rows;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.read_stream(text, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.read_stream(text, integer, integer) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.read_stream(text, integer, integer) IS
  'Up to max_rows events of a stream after after_version, in version order.';

CREATE FUNCTION eventlog.stream_version(stream text)
RETURNS integer
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_version integer;
BEGIN
  IF stream_version.stream IS NULL OR stream_version.stream = '' OR pg_catalog.length(stream_version.stream) > 200
     OR stream_version.stream ~ '[[:cntrl:]]' THEN
    PERFORM eventlog._check_name('stream', stream_version.stream);
  END IF;
  SELECT s.version INTO v_version FROM eventlog.streams AS s WHERE s.stream = stream_version.stream;
  RETURN coalesce(v_version, 0);
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.stream_version(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.stream_version(text) TO eventlog_writer, eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.stream_version(text) IS
  'Version of the stream''s latest event; 0 for a stream without events.';
