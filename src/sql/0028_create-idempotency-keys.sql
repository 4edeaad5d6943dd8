-- Idempotency keys of append_to_stream. A call with a key claims the key's row first, in the
-- caller's transaction, and fills in the versions it appended before it returns: a key exists
-- exactly when its events do, a rolled-back call leaves no key, and a second caller with the same
-- key waits on the claimed row until the first one's transaction ends. See docs/streams.md.
CREATE TABLE eventlog.idempotency_keys (
  idempotency_key text NOT NULL,
  stream text NOT NULL,
  events_hash bytea NOT NULL,
  first_version integer,
  last_version integer,
  ctime timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT idempotency_keys_pkey PRIMARY KEY (idempotency_key)
);

CREATE INDEX idempotency_keys_ctime_idx ON eventlog.idempotency_keys (ctime);

GRANT SELECT ON eventlog.idempotency_keys TO eventlog_reader, eventlog_admin;

COMMENT ON TABLE eventlog.idempotency_keys IS
  'Each idempotency key given to append_to_stream, with the stream versions its call appended.';
COMMENT ON COLUMN eventlog.idempotency_keys.idempotency_key IS
  'The caller''s key, unique across all streams.';
COMMENT ON COLUMN eventlog.idempotency_keys.stream IS
  'The stream the first call with this key appended to.';
COMMENT ON COLUMN eventlog.idempotency_keys.events_hash IS
  'SHA-256 of the events argument of the first call (as jsonb text), to refuse the key for other events.';
COMMENT ON COLUMN eventlog.idempotency_keys.first_version IS
  'Version of the first event the first call appended.';
COMMENT ON COLUMN eventlog.idempotency_keys.last_version IS
  'Version of the last event the first call appended.';
COMMENT ON COLUMN eventlog.idempotency_keys.ctime IS
  'Start time of the transaction that made the first call; expire_idempotency_keys goes by it.';

CREATE FUNCTION eventlog.expire_idempotency_keys(older_than interval)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_count bigint;
  v_cutoff timestamptz;
BEGIN
  IF expire_idempotency_keys.older_than IS NULL THEN
    RAISE EXCEPTION 'older_than must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass an age such as interval ''7 days''.';
  END IF;
  IF expire_idempotency_keys.older_than < interval '0' THEN
    RAISE EXCEPTION 'older_than must not be negative, got %', expire_idempotency_keys.older_than
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass an age such as interval ''7 days''.';
  END IF;
  -- An age past the range of timestamps (now() minus it before 4713 BC) is refused as an argument
  -- (22023), not with the arithmetic's 22008.
  BEGIN
    v_cutoff := pg_catalog.now() - expire_idempotency_keys.older_than;
  EXCEPTION WHEN datetime_field_overflow THEN
    RAISE EXCEPTION 'older_than % reaches before the first timestamp (4713 BC)', expire_idempotency_keys.older_than
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass an age such as interval ''7 days''; any age of more than the keys'' lifetime expires them all.';
  END;
  DELETE FROM eventlog.idempotency_keys AS k
  WHERE k.ctime < v_cutoff;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.expire_idempotency_keys(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.expire_idempotency_keys(interval) TO eventlog_admin;

COMMENT ON FUNCTION eventlog.expire_idempotency_keys(interval) IS
  'Forgets idempotency keys first used longer ago than older_than; returns how many.';
