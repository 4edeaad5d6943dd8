-- Snapshots: an application's state of a stream as of one version, so loading the stream need
-- not replay it from the start. The three newest versions of each stream are kept.
CREATE TABLE eventlog.snapshots (
  stream text NOT NULL,
  version integer NOT NULL,
  state jsonb NOT NULL,
  ctime timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT snapshots_pkey PRIMARY KEY (stream, version),
  CONSTRAINT snapshots_version_positive CHECK (version > 0)
);

GRANT SELECT ON eventlog.snapshots TO eventlog_reader, eventlog_admin;

COMMENT ON TABLE eventlog.snapshots IS
  'Saved states of streams, at most the three newest versions of each stream.';
COMMENT ON COLUMN eventlog.snapshots.stream IS
  'The stream the state was computed from.';
COMMENT ON COLUMN eventlog.snapshots.version IS
  'The stream version the state includes: events after it are not in the state.';
COMMENT ON COLUMN eventlog.snapshots.state IS
  'The application''s state, a JSON object.';
COMMENT ON COLUMN eventlog.snapshots.ctime IS
  'Start time of the transaction that saved the snapshot.';

CREATE FUNCTION eventlog.save_snapshot(stream text, version integer, state jsonb)
RETURNS eventlog.snapshots
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_current integer;
  v_saved eventlog.snapshots;
BEGIN
  PERFORM eventlog._check_name('stream', save_snapshot.stream);
  IF save_snapshot.version IS NULL THEN
    RAISE EXCEPTION 'version must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass the stream version the state includes.';
  END IF;
  IF save_snapshot.version < 1 THEN
    RAISE EXCEPTION 'version must be 1 or more, got %', save_snapshot.version
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass the stream version the state includes; a stream''s first event has version 1.';
  END IF;
  IF save_snapshot.state IS NULL THEN
    RAISE EXCEPTION 'state must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass the state as a JSON object.';
  END IF;
  IF pg_catalog.jsonb_typeof(save_snapshot.state) <> 'object' THEN
    RAISE EXCEPTION 'state % is a JSON %, not an object', eventlog._display(save_snapshot.state::text),
        pg_catalog.jsonb_typeof(save_snapshot.state)
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Wrap the state in an object, e.g. {"items": [...]}.';
  END IF;
  SELECT s.version INTO v_current FROM eventlog.streams AS s WHERE s.stream = save_snapshot.stream;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'stream % does not exist', eventlog._display(save_snapshot.stream)
      USING ERRCODE = 'EL022',
            HINT = 'Snapshots are saved for streams that have events; check the stream name.';
  END IF;
  IF save_snapshot.version > v_current THEN
    RAISE EXCEPTION 'stream % has no version %: it is at version %', eventlog._display(save_snapshot.stream),
        save_snapshot.version, v_current
      USING ERRCODE = 'EL023',
            HINT = 'Save the state as of a version the stream has reached.';
  END IF;

  INSERT INTO eventlog.snapshots AS n (stream, version, state)
  VALUES (save_snapshot.stream, save_snapshot.version, save_snapshot.state)
  ON CONFLICT ON CONSTRAINT snapshots_pkey DO UPDATE SET state = excluded.state, ctime = excluded.ctime
  RETURNING * INTO v_saved;

  -- A newer snapshot supersedes older ones: keep the three newest versions.
  DELETE FROM eventlog.snapshots AS n
  WHERE n.stream = save_snapshot.stream
    AND n.version < (SELECT o.version FROM eventlog.snapshots AS o
                     WHERE o.stream = save_snapshot.stream
                     ORDER BY o.version DESC
                     OFFSET 2 LIMIT 1);
  RETURN v_saved;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.save_snapshot(text, integer, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.save_snapshot(text, integer, jsonb) TO eventlog_writer, eventlog_admin;

COMMENT ON FUNCTION eventlog.save_snapshot(text, integer, jsonb) IS
  'Saves the state of a stream as of version; keeps the three newest snapshots of the stream.';

CREATE FUNCTION eventlog.load_snapshot(stream text)
RETURNS SETOF eventlog.snapshots
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM eventlog._check_name('stream', load_snapshot.stream);
  RETURN QUERY
    SELECT n.* FROM eventlog.snapshots AS n
    WHERE n.stream = load_snapshot.stream
    ORDER BY n.version DESC
    LIMIT 1;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.load_snapshot(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.load_snapshot(text) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.load_snapshot(text) IS
  'The newest snapshot of a stream; no row when it has none.';
