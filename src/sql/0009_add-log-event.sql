-- Raises the refusal for an array element that is not an object; called from inside the insert
-- so that a valid array is read only once.
CREATE FUNCTION eventlog._refuse_element(ordinality bigint, element jsonb)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'element % of the payload array is %, not a JSON object', _refuse_element.ordinality,
      pg_catalog.left(_refuse_element.element::text, 100)
    USING ERRCODE = 'invalid_parameter_value',
          HINT = 'Every event is a JSON object; wrap scalars, e.g. {"value": 42}.';
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._refuse_element(bigint, jsonb) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._refuse_element(bigint, jsonb) IS
  'Raises the refusal for element ordinality of a payload array that is not a JSON object.';

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
  v_base_version integer;
  v_tx_order bigint;
BEGIN
  -- Everything is checked before anything is written. The common case (one object, plain
  -- names) costs a few comparisons; the precise messages come from the slower paths.
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
  END IF;
  IF log_event.event_type IS NOT NULL
     AND (log_event.event_type = '' OR pg_catalog.length(log_event.event_type) > 200 OR log_event.event_type ~ '[[:cntrl:]]') THEN
    PERFORM eventlog._check_name('event_type', log_event.event_type);
  END IF;
  IF log_event.stream IS NOT NULL
     AND (log_event.stream = '' OR pg_catalog.length(log_event.stream) > 200 OR log_event.stream ~ '[[:cntrl:]]') THEN
    PERFORM eventlog._check_name('stream', log_event.stream);
  END IF;
  IF pg_catalog.jsonb_typeof(log_event.metadata) <> 'object' THEN
    RAISE EXCEPTION 'metadata % is a JSON %, not an object', pg_catalog.left(log_event.metadata::text, 100), pg_catalog.jsonb_typeof(log_event.metadata)
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass metadata as a JSON object, or NULL for none.';
  END IF;

  IF log_event.stream IS NOT NULL THEN
    INSERT INTO eventlog.streams AS s (stream, version)
    VALUES (log_event.stream, v_count)
    ON CONFLICT ON CONSTRAINT streams_pkey DO UPDATE SET version = s.version + v_count
    RETURNING s.version - v_count INTO v_base_version;
  END IF;

  -- The log position of this transaction is its id plus the clock offset. The clock row is
  -- verified once per server start; the insert finds no clock row to join until then (and after
  -- a restore into a new cluster), and the slow path checks it.
  IF v_kind = 'object' THEN
    RETURN QUERY
      INSERT INTO eventlog.events (tx_order, event_type, stream, version, payload, metadata)
      SELECT pg_catalog.pg_current_xact_id()::text::bigint + c.xid_offset, coalesce(log_event.event_type, 'event'),
        log_event.stream, v_base_version + 1, log_event.payload, coalesce(log_event.metadata, '{}')
      FROM eventlog.clock AS c
      WHERE c.verified_start = pg_catalog.pg_postmaster_start_time()
      RETURNING *;
    IF FOUND THEN
      RETURN;
    END IF;
    v_tx_order := eventlog._append_position();
    RETURN QUERY
      INSERT INTO eventlog.events (tx_order, event_type, stream, version, payload, metadata)
      VALUES (v_tx_order, coalesce(log_event.event_type, 'event'), log_event.stream, v_base_version + 1,
        log_event.payload, coalesce(log_event.metadata, '{}'))
      RETURNING *;
    RETURN;
  END IF;

  SELECT pg_catalog.pg_current_xact_id()::text::bigint + c.xid_offset INTO v_tx_order
  FROM eventlog.clock AS c
  WHERE c.verified_start = pg_catalog.pg_postmaster_start_time();
  IF NOT FOUND THEN
    v_tx_order := eventlog._append_position();
  END IF;
  RETURN QUERY
    INSERT INTO eventlog.events (tx_order, event_type, stream, version, payload, metadata)
    SELECT v_tx_order, coalesce(log_event.event_type, 'event'), log_event.stream, v_base_version + a.ordinality::integer,
      CASE WHEN pg_catalog.jsonb_typeof(a.element) = 'object' THEN a.element
           ELSE eventlog._refuse_element(a.ordinality, a.element) END,
      coalesce(log_event.metadata, '{}')
    FROM pg_catalog.jsonb_array_elements(log_event.payload) WITH ORDINALITY AS a (element, ordinality)
    ORDER BY a.ordinality
    RETURNING *;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.log_event(jsonb, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.log_event(jsonb, text, text, jsonb) TO eventlog_writer, eventlog_admin;

COMMENT ON FUNCTION eventlog.log_event(jsonb, text, text, jsonb) IS
  'Appends one event (a JSON object) or one per element of a JSON array, atomically; returns the new rows.';
