-- Raises the refusal for an array element that is not an object. log_event looks for the first
-- such element before it inserts anything, so a refused array writes nothing (not even an etag).
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

-- log_event is the convenient call: one event, or one per element of an array, in one statement.
-- It inserts through the same path as a plain INSERT (0025): the append triggers set the log
-- position, check every value (the stream name included) and number the stream, with the same
-- errors on both paths. What is left here is what only the array form
-- needs. (The triggers come in a later migration; plpgsql resolves the INSERT when it first runs.)
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
BEGIN
  IF pg_catalog.jsonb_typeof(log_event.payload) = 'array' THEN
    IF pg_catalog.jsonb_array_length(log_event.payload) = 0 THEN
      RAISE EXCEPTION 'payload is an empty array: there is no event to append'
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Pass at least one JSON object.';
    END IF;
    -- Every element is checked before the first insert: refused in the INSERT, an element after
    -- the first would come after the earlier ones took etags and the caller's transaction an id.
    -- (The other values are the same for every element; the append trigger checks them once.)
    PERFORM eventlog._refuse_element(a.ordinality, a.element)
    FROM pg_catalog.jsonb_array_elements(log_event.payload) WITH ORDINALITY AS a (element, ordinality)
    WHERE pg_catalog.jsonb_typeof(a.element) <> 'object'
    ORDER BY a.ordinality
    LIMIT 1;
    RETURN QUERY
      INSERT INTO eventlog.events (event_type, stream, payload, metadata)
      SELECT coalesce(log_event.event_type, 'event'), log_event.stream, a.element,
        coalesce(log_event.metadata, '{}')
      FROM pg_catalog.jsonb_array_elements(log_event.payload) WITH ORDINALITY AS a (element, ordinality)
      ORDER BY a.ordinality
      RETURNING *;
    RETURN;
  END IF;
  RETURN QUERY
    INSERT INTO eventlog.events (event_type, stream, payload, metadata)
    VALUES (coalesce(log_event.event_type, 'event'), log_event.stream, log_event.payload,
      coalesce(log_event.metadata, '{}'))
    RETURNING *;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.log_event(jsonb, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.log_event(jsonb, text, text, jsonb) TO eventlog_writer, eventlog_admin;

COMMENT ON FUNCTION eventlog.log_event(jsonb, text, text, jsonb) IS
  'Appends one event (a JSON object) or one per element of a JSON array, atomically; returns the new rows.';
