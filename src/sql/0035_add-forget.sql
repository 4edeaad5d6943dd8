-- forget: erases payload keys from one stream's events and snapshots (GDPR erasure), the only
-- sanctioned change to existing events, and records an audit event without the erased values.
CREATE FUNCTION eventlog.forget(stream text, keys text[], event_types text[] DEFAULT NULL)
RETURNS TABLE (events_changed integer, snapshots_changed integer, audit_etag bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_position integer;
  v_events integer;
  v_snapshots integer;
  v_etag bigint;
  v_role text := pg_catalog.current_setting('role');
BEGIN
  PERFORM eventlog._check_name('stream', forget.stream);
  IF forget.keys IS NULL THEN
    RAISE EXCEPTION 'keys must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass the payload keys to erase, e.g. ARRAY[''email'', ''name''].';
  END IF;
  IF pg_catalog.cardinality(forget.keys) = 0 OR pg_catalog.array_ndims(forget.keys) > 1 THEN
    RAISE EXCEPTION 'keys must be a one-dimensional, non-empty array, got %', eventlog._display(forget.keys::text)
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass the payload keys to erase, e.g. ARRAY[''email'', ''name''].';
  END IF;
  SELECT k.ordinality INTO v_position
  FROM pg_catalog.unnest(forget.keys) WITH ORDINALITY AS k (key, ordinality)
  WHERE k.key IS NULL OR k.key = ''
  ORDER BY k.ordinality
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'key % of keys is %', v_position,
        CASE WHEN forget.keys[v_position] IS NULL THEN 'NULL' ELSE 'empty' END
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Every key is the name of a top-level payload key.';
  END IF;
  IF forget.event_types IS NOT NULL THEN
    IF pg_catalog.cardinality(forget.event_types) = 0 OR pg_catalog.array_ndims(forget.event_types) > 1 THEN
      RAISE EXCEPTION 'event_types must be NULL (every type) or a one-dimensional, non-empty array, got %',
          eventlog._display(forget.event_types::text)
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Pass NULL to erase the keys from events of every type.';
    END IF;
    FOR v_position IN 1 .. pg_catalog.cardinality(forget.event_types) LOOP
      PERFORM eventlog._check_name(pg_catalog.format('event type %s of event_types', v_position), forget.event_types[v_position]);
    END LOOP;
  END IF;

  -- Locking the stream's row orders forget with the stream's writers: appends in progress
  -- commit first and are erased too; later appends wait until forget commits.
  PERFORM 1 FROM eventlog.streams AS s WHERE s.stream = forget.stream FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'stream % does not exist', eventlog._display(forget.stream)
      USING ERRCODE = 'EL022',
            HINT = 'Check the stream name: eventlog.stream_heads lists every stream.';
  END IF;

  PERFORM eventlog._begin_sanctioned_change('UPDATE', 'forget');
  UPDATE eventlog.events AS e
  SET payload = e.payload - forget.keys
  WHERE e.stream = forget.stream
    AND e.payload ?| forget.keys
    AND (forget.event_types IS NULL OR e.event_type = ANY (forget.event_types));
  GET DIAGNOSTICS v_events = ROW_COUNT;
  PERFORM eventlog._end_sanctioned_change('UPDATE');

  UPDATE eventlog.snapshots AS n
  SET state = n.state - forget.keys
  WHERE n.stream = forget.stream
    AND n.state ?| forget.keys;
  GET DIAGNOSTICS v_snapshots = ROW_COUNT;

  -- The audit event: who, when, which stream and keys, how many rows; never the erased values.
  INSERT INTO eventlog.events (event_type, payload)
  VALUES ('stream_forgotten', pg_catalog.jsonb_build_object(
    'stream', forget.stream,
    'keys', pg_catalog.to_jsonb(forget.keys),
    'event_types', pg_catalog.to_jsonb(forget.event_types),
    'events_changed', v_events,
    'snapshots_changed', v_snapshots,
    'by', CASE WHEN v_role = 'none' THEN pg_catalog.session_user()::text ELSE v_role END,
    'session_user', pg_catalog.session_user()::text,
    'at', pg_catalog.clock_timestamp()))
  RETURNING etag INTO v_etag;

  RETURN QUERY SELECT v_events, v_snapshots, v_etag;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.forget(text, text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.forget(text, text[], text[]) TO eventlog_admin;

COMMENT ON FUNCTION eventlog.forget(text, text[], text[]) IS
  'Erases top-level payload keys from a stream''s events (all, or of event_types) and snapshots; appends an audit event.';
