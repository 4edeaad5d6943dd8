-- append_to_stream compares the expected version before it claims the idempotency key, so a
-- call refused for a version mismatch (EL020) writes nothing first. 0029 claimed the key (an
-- INSERT into idempotency_keys, which takes a transaction id) and compared the version after it:
-- the refusal undid the claim, but the caller's transaction had written, which the rule "bad input
-- is refused before anything is written" forbids and the generated-input test
-- (test/reliability/generated-input.test.ts, with other seeds) caught.
--
-- Now a call with a key first looks the key up, without writing. Found (its first call
-- committed): the call answers from it as before (the first call's rows, or EL021), whatever the
-- stream's version is now, so a retry of a call that succeeded still gets its rows. Not found:
-- the version is compared (EL020 writes nothing), and only then is the key claimed; a call that
-- loses the claim to a concurrent one with the same key (on another stream: on the same stream
-- the stream's advisory lock has ordered them already) finds the key then, as in 0029. The rest of
-- the function is 0029's, unchanged.
CREATE OR REPLACE FUNCTION eventlog.append_to_stream(
  stream text,
  events jsonb,
  expected_version integer DEFAULT NULL,
  idempotency_key text DEFAULT NULL
)
RETURNS SETOF eventlog.events
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_count integer;
  v_bad_ordinality bigint;
  v_bad_element jsonb;
  v_hash bytea;
  v_key eventlog.idempotency_keys;
  v_base_version integer;
  v_current integer;
  v_element jsonb;
  v_row eventlog.events;
  v_tx_order bigint;
BEGIN
  -- Everything is checked before anything is written. PL/pgSQL sets up every expression it
  -- evaluates again in each transaction, so the common case (valid arguments) is one expression;
  -- only when it fails do the checks below run one by one, in this order, to raise the first thing
  -- wrong (docs/ordering.md, "What append_to_stream costs").
  v_count := CASE WHEN pg_catalog.jsonb_typeof(append_to_stream.events) = 'array'
                  THEN pg_catalog.jsonb_array_length(append_to_stream.events) END;
  IF NOT coalesce(
      append_to_stream.stream <> '' AND pg_catalog.length(append_to_stream.stream) <= 200
      AND append_to_stream.stream !~ '[[:cntrl:]]'
      AND v_count > 0
      AND (append_to_stream.expected_version IS NULL OR append_to_stream.expected_version >= 0)
      AND (append_to_stream.idempotency_key IS NULL
           OR (append_to_stream.idempotency_key <> '' AND pg_catalog.length(append_to_stream.idempotency_key) <= 200
               AND append_to_stream.idempotency_key !~ '[[:cntrl:]]')),
      false) THEN
    IF append_to_stream.stream IS NULL OR append_to_stream.stream = '' OR pg_catalog.length(append_to_stream.stream) > 200
       OR append_to_stream.stream ~ '[[:cntrl:]]' THEN
      PERFORM eventlog._check_name('stream', append_to_stream.stream);
    END IF;
    IF pg_catalog.jsonb_typeof(append_to_stream.events) IS DISTINCT FROM 'array' THEN
      IF append_to_stream.events IS NULL THEN
        RAISE EXCEPTION 'events must not be NULL'
          USING ERRCODE = 'null_value_not_allowed',
                HINT = 'Pass a JSON array of events: [{"type": "…", "payload": {…}}].';
      END IF;
      RAISE EXCEPTION 'events % is a JSON %, not an array', eventlog._display(append_to_stream.events::text),
          pg_catalog.jsonb_typeof(append_to_stream.events)
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Pass a JSON array of events, e.g. [{"type": "deposited", "payload": {"amount": 10}}].';
    END IF;
    IF v_count = 0 THEN
      RAISE EXCEPTION 'events is an empty array: there is no event to append to stream %', eventlog._display(append_to_stream.stream)
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Pass at least one event.';
    END IF;
    IF append_to_stream.expected_version < 0 THEN
      RAISE EXCEPTION 'expected_version must not be negative, got %', append_to_stream.expected_version
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Pass NULL for any version, 0 for a stream that must not exist yet, or the version you read.';
    END IF;
    IF append_to_stream.idempotency_key IS NOT NULL THEN
      PERFORM eventlog._check_name('idempotency_key', append_to_stream.idempotency_key);
    END IF;
    -- Unreachable while the expression above and these checks agree; refuse rather than pass.
    RAISE EXCEPTION 'append_to_stream refused its arguments, but no rule names why'
      USING ERRCODE = 'internal_error';
  END IF;
  -- One event, the common case: checked in plpgsql expressions; several: in one query.
  IF v_count = 1 THEN
    v_element := append_to_stream.events -> 0;
    IF NOT coalesce(
        pg_catalog.jsonb_typeof(v_element) = 'object'
        AND pg_catalog.jsonb_typeof(v_element -> 'type') = 'string'
        AND pg_catalog.jsonb_typeof(v_element -> 'payload') = 'object'
        AND coalesce(pg_catalog.jsonb_typeof(v_element -> 'metadata') IN ('object', 'null'), true)
        AND (v_element - ARRAY['type', 'payload', 'metadata']) = '{}'::jsonb
        AND v_element ->> 'type' <> ''
        AND pg_catalog.length(v_element ->> 'type') <= 200
        AND v_element ->> 'type' !~ '[[:cntrl:]]',
      false) THEN
      PERFORM eventlog._refuse_stream_event(1, v_element);
    END IF;
  ELSE
    SELECT a.ordinality, a.element INTO v_bad_ordinality, v_bad_element
    FROM pg_catalog.jsonb_array_elements(append_to_stream.events) WITH ORDINALITY AS a (element, ordinality)
    WHERE NOT coalesce(
        pg_catalog.jsonb_typeof(a.element) = 'object'
        AND pg_catalog.jsonb_typeof(a.element -> 'type') = 'string'
        AND pg_catalog.jsonb_typeof(a.element -> 'payload') = 'object'
        AND coalesce(pg_catalog.jsonb_typeof(a.element -> 'metadata') IN ('object', 'null'), true)
        AND (a.element - ARRAY['type', 'payload', 'metadata']) = '{}'::jsonb
        AND a.element ->> 'type' <> ''
        AND pg_catalog.length(a.element ->> 'type') <= 200
        AND a.element ->> 'type' !~ '[[:cntrl:]]',
      false)
    ORDER BY a.ordinality
    LIMIT 1;
    IF FOUND THEN
      PERFORM eventlog._refuse_stream_event(v_bad_ordinality, v_bad_element);
    END IF;
  END IF;

  -- Callers of append_to_stream for one stream queue here, on a transaction-level advisory lock
  -- keyed by a hash of the stream name, before they write anything. So each one gets its log
  -- position (its transaction id, assigned at its first write) only after the previous one has
  -- committed or rolled back, the stream version trigger never finds a later position ahead of it
  -- (which it would refuse with 40001), and a caller with an expected version reads the version
  -- its predecessor left behind. The lock takes no transaction id and writes nothing; a stream
  -- that does not exist yet is covered too. It is the lock the append check trigger (tg_events__check_append) takes
  -- for a first write to the stream by any path (log_event, INSERT, COPY), so those queue in the
  -- same line, and the trigger finds it already held here (a look-up in the backend's own lock
  -- table, not a second lock). Writers that had written something else before appending do not
  -- queue; the check after the insert covers them. An application's own advisory lock on the
  -- same number only makes one of them wait.
  -- (An IF, not PERFORM: PERFORM runs a query, an IF condition is a plain expression. The lock
  -- function returns void, never NULL, so the branch is never taken.)
  IF pg_catalog.pg_advisory_xact_lock(
       pg_catalog.hashtextextended('eventlog.streams ' || append_to_stream.stream, 0)) IS NULL THEN
    NULL;
  END IF;

  -- A call with a key first looks it up, writing nothing: a key whose first call committed is
  -- answered from (that call's rows, or EL021 for other events), whatever the stream's version is
  -- now, so the retry of a call that succeeded gets its rows and no version conflict. The stream's
  -- advisory lock above has waited for an earlier call on the same stream, so its key is seen here.
  IF append_to_stream.idempotency_key IS NOT NULL THEN
    v_hash := pg_catalog.sha256(pg_catalog.convert_to(append_to_stream.events::text, 'UTF8'));
    SELECT * INTO v_key FROM eventlog.idempotency_keys AS k
    WHERE k.idempotency_key = append_to_stream.idempotency_key;
  END IF;

  -- With an expected version, compare with the version the stream's previous writer left behind
  -- (the advisory lock above has waited for it) before writing anything, the key's claim included,
  -- so that a refused call writes nothing and does not even take an etag. (Leaving this to the
  -- check after the insert would save a query per call, about 5% of append_to_stream's server
  -- time: docs/ordering.md.)
  IF append_to_stream.expected_version IS NOT NULL AND v_key.idempotency_key IS NULL THEN
    SELECT s.version INTO v_current FROM eventlog.streams AS s WHERE s.stream = append_to_stream.stream;
    IF coalesce(v_current, 0) <> append_to_stream.expected_version THEN
      PERFORM eventlog._refuse_stream_version(append_to_stream.stream, coalesce(v_current, 0), append_to_stream.expected_version);
    END IF;
  END IF;

  -- The key's row is claimed before the stream is written: a second caller with the same key
  -- waits (on the stream's advisory lock, or here for a key used on another stream) until the
  -- first caller's transaction ends, then finds its row (committed) or claims the key itself
  -- (rolled back). Every call takes its locks in the same order (stream, key, stream row), so
  -- two calls cannot deadlock.
  IF append_to_stream.idempotency_key IS NOT NULL THEN
    IF v_key.idempotency_key IS NULL THEN
      INSERT INTO eventlog.idempotency_keys (idempotency_key, stream, events_hash)
      VALUES (append_to_stream.idempotency_key, append_to_stream.stream, v_hash)
      ON CONFLICT ON CONSTRAINT idempotency_keys_pkey DO NOTHING;
      IF NOT FOUND THEN
        SELECT * INTO STRICT v_key FROM eventlog.idempotency_keys AS k
        WHERE k.idempotency_key = append_to_stream.idempotency_key;
      END IF;
    END IF;
    IF v_key.idempotency_key IS NOT NULL THEN
      IF v_key.stream <> append_to_stream.stream OR v_key.events_hash <> v_hash THEN
        RAISE EXCEPTION 'idempotency key % was first used for other events', eventlog._display(append_to_stream.idempotency_key)
          USING ERRCODE = 'EL021',
                DETAIL = pg_catalog.format('Its first call appended versions %s to %s of stream %s; nothing was written now.',
                  v_key.first_version, v_key.last_version, eventlog._display(v_key.stream)),
                HINT = 'A retry must repeat the stream and events exactly; a new request needs a new key.';
      END IF;
      RETURN QUERY
        SELECT e.* FROM eventlog.events AS e
        WHERE e.stream = v_key.stream AND e.version BETWEEN v_key.first_version AND v_key.last_version
        ORDER BY e.version;
      RETURN;
    END IF;
  END IF;

  -- The stream's versions come from the log's own numbering, and the stream's row stays locked
  -- until commit. So nobody else can move the stream between this call's first event and its
  -- commit.
  IF v_count = 1 THEN
    -- One event: the BEFORE INSERT trigger _200_assign_stream_version upserts the stream's row and
    -- gives the event its version; the version the call appended after is that minus one.
    -- The call takes its transaction id (its log position) here, under the stream's queue, as the
    -- insert would: then the append check trigger, which queues a first write on the same lock,
    -- sees a transaction that has written and skips its second, redundant lock call (a query of
    -- its own; about 1.5% of the call, docs/streams.md "Speed"). An expression, not PERFORM.
    IF pg_catalog.pg_current_xact_id() IS NULL THEN
      NULL;
    END IF;
    INSERT INTO eventlog.events (event_type, stream, payload, metadata)
    VALUES (v_element ->> 'type', append_to_stream.stream, v_element -> 'payload',
      CASE WHEN pg_catalog.jsonb_typeof(v_element -> 'metadata') = 'object' THEN v_element -> 'metadata' ELSE '{}'::jsonb END)
    RETURNING * INTO v_row;
    v_base_version := v_row.version - 1;
  ELSE
    -- Several events: one update of the stream's row reserves all their versions (it takes this
    -- transaction's position, which is what the append check trigger would give the first event,
    -- and refuses an earlier position with 40001 as the stream version trigger does); the trigger
    -- then numbers the INSERT's rows from the reservation, in insertion order, without updating the
    -- row again per event (docs/streams.md, "One update per call").
    v_tx_order := pg_catalog.pg_current_xact_id()::text::bigint + eventlog._clock_offset();
    INSERT INTO eventlog.streams AS s (stream, version, tx_order, reserved_from)
    VALUES (append_to_stream.stream, v_count, v_tx_order, 1)
    ON CONFLICT ON CONSTRAINT streams_pkey DO UPDATE
      SET version = s.version + v_count, tx_order = EXCLUDED.tx_order, reserved_from = s.version + 1
      WHERE s.tx_order <= EXCLUDED.tx_order
    RETURNING s.reserved_from - 1 INTO v_base_version;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'stream % was appended to by a transaction that began writing after this one and committed first',
          eventlog._display(append_to_stream.stream)
        USING ERRCODE = 'serialization_failure',
              DETAIL = 'These events would come before that one in the log, with later versions.',
              HINT = 'Retry the transaction; appending to the stream before writing anything else avoids it.';
    END IF;
    PERFORM pg_catalog.set_config('eventlog.stream_reservation',
      (v_base_version + 1)::text || E'\n' || append_to_stream.stream, true);
    RETURN QUERY
      INSERT INTO eventlog.events (event_type, stream, payload, metadata)
      SELECT a.element ->> 'type', append_to_stream.stream, a.element -> 'payload',
        CASE WHEN pg_catalog.jsonb_typeof(a.element -> 'metadata') = 'object' THEN a.element -> 'metadata' ELSE '{}'::jsonb END
      FROM pg_catalog.jsonb_array_elements(append_to_stream.events) WITH ORDINALITY AS a (element, ordinality)
      ORDER BY a.ordinality
      RETURNING *;
    -- Every row took its reserved version, in order, if the trigger moved the setting past the
    -- last one; nothing but the trigger sets it between here and the line above.
    IF pg_catalog.current_setting('eventlog.stream_reservation')
       IS DISTINCT FROM (v_base_version + v_count + 1)::text || E'\n' || append_to_stream.stream THEN
      RAISE EXCEPTION 'the events appended to stream % did not take the versions % to % reserved for them',
          eventlog._display(append_to_stream.stream), v_base_version + 1, v_base_version + v_count
        USING ERRCODE = 'internal_error';
    END IF;
    PERFORM pg_catalog.set_config('eventlog.stream_reservation', '', true);
    UPDATE eventlog.streams AS s SET reserved_from = NULL WHERE s.stream = append_to_stream.stream;
  END IF;

  IF v_base_version <> append_to_stream.expected_version THEN
    -- Reached when a writer outside append_to_stream appended to the stream meanwhile. Raising
    -- undoes the insert above: nothing of this call is written.
    PERFORM eventlog._refuse_stream_version(append_to_stream.stream, v_base_version, append_to_stream.expected_version);
  END IF;
  IF append_to_stream.idempotency_key IS NOT NULL THEN
    UPDATE eventlog.idempotency_keys AS k
    SET first_version = v_base_version + 1, last_version = v_base_version + v_count
    WHERE k.idempotency_key = append_to_stream.idempotency_key;
  END IF;
  IF v_count = 1 THEN
    RETURN NEXT v_row;
  END IF;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.append_to_stream(text, jsonb, integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.append_to_stream(text, jsonb, integer, text) TO eventlog_writer, eventlog_admin;

COMMENT ON FUNCTION eventlog.append_to_stream(text, jsonb, integer, text) IS
  'Appends events [{type, payload, metadata}] to a stream if it is at expected_version; once per idempotency key.';
