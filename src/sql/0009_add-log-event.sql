CREATE FUNCTION eventlog.log_event(
  payload jsonb,
  event_type text DEFAULT NULL,
  stream text DEFAULT NULL,
  metadata jsonb DEFAULT NULL
)
RETURNS SETOF eventlog.events
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_kind text := pg_catalog.jsonb_typeof(log_event.payload);
  v_count integer := 1;
  v_bad_element bigint;
  v_event_type text := coalesce(log_event.event_type, 'event');
  v_metadata jsonb := coalesce(log_event.metadata, '{}');
  v_base_version integer;
  v_tx_order bigint;
BEGIN
  -- Everything is checked before anything is written. The common case (one object, a plain
  -- name) costs a few comparisons; the precise messages come from the slower paths.
  IF v_kind IS DISTINCT FROM 'object' THEN
    IF v_kind IS NULL THEN
      RAISE EXCEPTION 'payload must not be NULL'
        USING ERRCODE = 'null_value_not_allowed',
              HINT = 'Pass a JSON object for one event, or an array of objects for several.';
    ELSIF v_kind <> 'array' THEN
      RAISE EXCEPTION 'payload % is a JSON %, not an object or array', pg_catalog.left(log_event.payload::text, 100), v_kind
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Wrap scalars in an object, e.g. {"value": 42}.';
    END IF;
    v_count := pg_catalog.jsonb_array_length(log_event.payload);
    IF v_count = 0 THEN
      RAISE EXCEPTION 'payload is an empty array: there is no event to append'
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Pass at least one JSON object.';
    END IF;
    SELECT a.ordinality INTO v_bad_element
    FROM pg_catalog.jsonb_array_elements(log_event.payload) WITH ORDINALITY AS a (element, ordinality)
    WHERE pg_catalog.jsonb_typeof(a.element) <> 'object'
    ORDER BY a.ordinality
    LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'element % of the payload array is %, not a JSON object', v_bad_element,
          pg_catalog.left((log_event.payload -> (v_bad_element::integer - 1))::text, 100)
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Every event is a JSON object; wrap scalars, e.g. {"value": 42}.';
    END IF;
  END IF;
  IF log_event.event_type IS NOT NULL
     AND (log_event.event_type = '' OR pg_catalog.length(log_event.event_type) > 200 OR log_event.event_type ~ '[[:cntrl:]]') THEN
    PERFORM eventlog._check_name('event_type', log_event.event_type);
  END IF;
  IF log_event.stream IS NOT NULL
     AND (log_event.stream = '' OR pg_catalog.length(log_event.stream) > 200 OR log_event.stream ~ '[[:cntrl:]]') THEN
    PERFORM eventlog._check_name('stream', log_event.stream);
  END IF;
  IF pg_catalog.jsonb_typeof(v_metadata) <> 'object' THEN
    RAISE EXCEPTION 'metadata % is a JSON %, not an object', pg_catalog.left(v_metadata::text, 100), pg_catalog.jsonb_typeof(v_metadata)
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass metadata as a JSON object, or NULL for none.';
  END IF;

  -- The log position of this transaction. The clock row is verified once per server start;
  -- until then (and after a restore into a new cluster) the slow path checks it.
  SELECT pg_catalog.pg_current_xact_id()::text::bigint + c.xid_offset INTO v_tx_order
  FROM eventlog.clock AS c
  WHERE c.verified_start = pg_catalog.pg_postmaster_start_time();
  IF NOT FOUND THEN
    v_tx_order := eventlog._append_position();
  END IF;

  IF log_event.stream IS NOT NULL THEN
    INSERT INTO eventlog.streams AS s (stream, version)
    VALUES (log_event.stream, v_count)
    ON CONFLICT ON CONSTRAINT streams_pkey DO UPDATE SET version = s.version + v_count
    RETURNING s.version - v_count INTO v_base_version;
  END IF;

  IF v_kind = 'object' THEN
    RETURN QUERY
      INSERT INTO eventlog.events (tx_order, event_type, stream, version, payload, metadata)
      VALUES (v_tx_order, v_event_type, log_event.stream, v_base_version + 1, log_event.payload, v_metadata)
      RETURNING *;
  ELSE
    RETURN QUERY
      INSERT INTO eventlog.events (tx_order, event_type, stream, version, payload, metadata)
      SELECT v_tx_order, v_event_type, log_event.stream, v_base_version + a.ordinality::integer, a.element, v_metadata
      FROM pg_catalog.jsonb_array_elements(log_event.payload) WITH ORDINALITY AS a (element, ordinality)
      ORDER BY a.ordinality
      RETURNING *;
  END IF;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.log_event(jsonb, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.log_event(jsonb, text, text, jsonb) TO eventlog_writer, eventlog_admin;

COMMENT ON FUNCTION eventlog.log_event(jsonb, text, text, jsonb) IS
  'Appends one event (a JSON object) or one per element of a JSON array, atomically; returns the new rows.';
