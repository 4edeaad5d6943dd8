-- Plain INSERT and COPY into eventlog.events are an append path beside log_event (SPEC §2), with
-- the same guarantees and the same refusals, for ORMs, the outbox pattern and bulk loads:
--
--   INSERT INTO eventlog.events (event_type, stream, payload, metadata) VALUES (...) RETURNING *;
--   COPY eventlog.events (event_type, stream, payload, metadata) FROM STDIN;
--
-- What makes every path equal, for every role (the owner and superusers included):
--   * tx_order, the log position, is the writing transaction's id plus the clock offset, and etag
--     the next value of eventlog.events_etag_seq, both set by the first trigger (which inlines
--     _clock_offset(), 0006). The row arrives routed to its partition by the etag default's guess
--     (0004); the trigger takes the real etag inside the guessed range (docs/partitions.md). Writers cannot name these columns (column privileges); for the owner
--     and superusers, the trigger refuses any value given.
--   * an append to a stream by a transaction that has not written yet first waits, on an advisory
--     lock of the stream, for the other such appenders to the stream to commit, and only then
--     takes its transaction id: so racing appenders of one stream take their positions in the
--     order they take the stream's versions (see the stream version trigger below).
--   * version is the stream's next version, from the second trigger, which upserts the stream's
--     row in eventlog.streams (locked to commit: writers of one stream are ordered, others not).
--   * the first trigger checks payload, metadata, event_type and stream, and raises log_event's
--     SQLSTATEs and messages.
-- Both are row triggers. A CHECK constraint would do the checks in one expression, but a CHECK is
-- compiled again for every statement, which measured several times the cost of the trigger call
-- (docs/ordering.md, "Appending with INSERT and COPY"). Row triggers also make COPY insert row by
-- row instead of in batches; docs/benchmarks.md has what that costs.
--
-- The triggers fire on every insert, also under session_replication_role = replica (ENABLE
-- ALWAYS), and not on UPDATE: the append-only guard (0005) decides about those. In a restore
-- (_restoring(), 0004) they let the dumped events in as they were.

-- The refusal for a row that the append trigger's fast path did not let through. Raises the first
-- thing wrong with it, in the order log_event checks its arguments. SECURITY DEFINER so that it can
-- use the name check and _display without granting those; it only ever raises.
CREATE FUNCTION eventlog._refuse_append(e eventlog.events)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- Every etag the column default gives has this form (_etag_guess(), 0004).
  IF e.etag % eventlog._partition_size() <> eventlog._partition_size() - 1 THEN
    RAISE EXCEPTION 'etag % was given, but the etag of an event is set by the database', e.etag
      USING ERRCODE = 'generated_always',
            HINT = 'Leave etag out of the INSERT or COPY column list.';
  END IF;
  IF e.tx_order IS NOT NULL THEN
    RAISE EXCEPTION 'tx_order % was given, but the log position of an event is set by the database', e.tx_order
      USING ERRCODE = 'generated_always',
            DETAIL = 'A position taken from the statement could place the event before events that readers have already passed.',
            HINT = 'Leave tx_order out of the INSERT or COPY column list.';
  END IF;
  IF e.version IS NOT NULL THEN
    RAISE EXCEPTION 'version % was given, but the version of an event is set by the database', e.version
      USING ERRCODE = 'generated_always',
            HINT = 'Leave version out of the INSERT or COPY column list; an event with a stream gets the stream''s next version.';
  END IF;
  IF e.payload IS NULL THEN
    RAISE EXCEPTION 'payload must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Every event has a JSON object as payload; use {} for an event without data.';
  END IF;
  IF pg_catalog.jsonb_typeof(e.payload) <> 'object' THEN
    RAISE EXCEPTION 'payload % is a JSON %, not an object', pg_catalog.left(e.payload::text, 100), pg_catalog.jsonb_typeof(e.payload)
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Wrap scalars in an object, e.g. {"value": 42}; log_event also takes an array of objects, one event each.';
  END IF;
  -- An explicit NULL for a NOT NULL column: the error the column's constraint would raise, which
  -- would come only after this trigger.
  IF e.metadata IS NULL THEN
    RAISE EXCEPTION 'metadata must not be NULL'
      USING ERRCODE = 'not_null_violation', COLUMN = 'metadata',
            HINT = 'Leave metadata out of the INSERT or COPY column list to get {}, or give a JSON object.';
  END IF;
  IF e.event_type IS NULL THEN
    RAISE EXCEPTION 'event_type must not be NULL'
      USING ERRCODE = 'not_null_violation', COLUMN = 'event_type',
            HINT = 'Leave event_type out of the INSERT or COPY column list to get ''event'', or give a name.';
  END IF;
  IF pg_catalog.jsonb_typeof(e.metadata) <> 'object' THEN
    RAISE EXCEPTION 'metadata % is a JSON %, not an object', pg_catalog.left(e.metadata::text, 100), pg_catalog.jsonb_typeof(e.metadata)
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass metadata as a JSON object; leave it out (or pass NULL to log_event) for none.';
  END IF;
  PERFORM eventlog._check_name('event_type', e.event_type);
  IF e.stream IS NOT NULL THEN
    PERFORM eventlog._check_name('stream', e.stream);
  END IF;
  -- Reached only by a direct call with a row the append check would let through (the function is
  -- granted to writers because the trigger runs as the inserting role): refuse the call itself.
  RAISE EXCEPTION 'the row has nothing to refuse: _refuse_append is called only by the append check trigger'
    USING ERRCODE = 'invalid_parameter_value',
          HINT = 'Append with INSERT INTO eventlog.events, COPY or log_event.';
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._refuse_append(eventlog.events) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog._refuse_append(eventlog.events) TO eventlog_writer, eventlog_admin;

COMMENT ON FUNCTION eventlog._refuse_append(eventlog.events) IS
  'Raises the refusal for an event row that the append check does not let into the log.';

-- The etag for an event routed by the guess given: the value taken, or later ones up to the
-- guessed range (a guess near the end of a range names the next one; the values skipped are never
-- used). If the sequence has passed the guessed range since the row was routed, the event can no
-- longer get an etag of its partition (a trigger cannot move a row): 40001, and the retry is
-- routed anew. That takes a first write queued on its stream while others took more etags than
-- the guess's margin (docs/partitions.md).
CREATE FUNCTION eventlog._etag_in_range(guess bigint, taken bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_lo bigint := _etag_in_range.guess / eventlog._partition_size() * eventlog._partition_size();
  v_taken bigint := _etag_in_range.taken;
BEGIN
  -- A guess names at most the range after the next etag's (the column default looks ahead by
  -- least(size / 8, 10000)); anything further is an etag someone gave, not a guess, and taking
  -- values up to it would burn the sequence (bounded, so a direct call cannot loop).
  IF _etag_in_range.guess IS NULL OR _etag_in_range.taken IS NULL
     OR _etag_in_range.guess < 0 OR _etag_in_range.taken < 0
     OR _etag_in_range.guess > 9223372036854775807 - 2 * eventlog._partition_size()
     OR (v_lo > v_taken AND v_lo - v_taken > LEAST(eventlog._partition_size() / 8, 10000) + 1) THEN
    RAISE EXCEPTION 'etag % was given, but the etag of an event is set by the database', coalesce(_etag_in_range.guess::text, 'NULL')
      USING ERRCODE = 'generated_always',
            HINT = 'Leave etag out of the INSERT or COPY column list.';
  END IF;
  WHILE v_taken < v_lo LOOP
    v_taken := pg_catalog.nextval('eventlog.events_etag_seq'::pg_catalog.regclass);
  END LOOP;
  IF v_taken >= v_lo + eventlog._partition_size() THEN
    RAISE EXCEPTION 'the event was routed to etags % to %, which the etag sequence has passed (it is at %)',
        v_lo, v_lo + eventlog._partition_size() - 1, v_taken
      USING ERRCODE = 'serialization_failure',
            DETAIL = 'A row cannot move to another partition once routed; this happens only when a transaction''s first append waited at a partition boundary.',
            HINT = 'Retry the transaction.';
  END IF;
  RETURN v_taken;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._etag_in_range(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog._etag_in_range(bigint, bigint) TO eventlog_writer, eventlog_admin;

COMMENT ON FUNCTION eventlog._etag_in_range(bigint, bigint) IS
  'Internal: an etag inside the range partition a new event was routed to, or 40001 when the sequence has passed it.';

-- The fast path is one expression of built-in functions, evaluated with a plan cached per
-- session. This function has no SET search_path, on purpose: that clause costs a search-path
-- switch on every row (measured, docs/ordering.md). It is not SECURITY DEFINER, so it runs with
-- the inserting role's rights, and every function, operator and type in it is schema-qualified,
-- so a caller's search_path (a shadowing operator in a schema listed before pg_catalog) cannot
-- change what it checks. test/pgtap/events/ has the test that tries.
CREATE FUNCTION eventlog.tg_events__check_append()
RETURNS trigger
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  v_etag bigint;
BEGIN
  -- OPERATOR(...) binds like any user-defined operator (left to right, one level), so every
  -- comparison is parenthesised.
  -- NEW.etag is the column default's guess, which routed the row (_etag_guess(), 0004).
  IF ((NEW.etag OPERATOR(pg_catalog.%) eventlog._partition_size())
       OPERATOR(pg_catalog.=) (eventlog._partition_size() OPERATOR(pg_catalog.-) 1::pg_catalog.int8))
     AND NEW.tx_order IS NULL
     AND NEW.version IS NULL
     AND (pg_catalog.jsonb_typeof(NEW.payload) OPERATOR(pg_catalog.=) 'object'::pg_catalog.text)
     AND (pg_catalog.jsonb_typeof(NEW.metadata) OPERATOR(pg_catalog.=) 'object'::pg_catalog.text)
     AND (NEW.event_type OPERATOR(pg_catalog.<>) ''::pg_catalog.text)
     AND (pg_catalog.length(NEW.event_type) OPERATOR(pg_catalog.<=) 200)
     AND (NEW.event_type OPERATOR(pg_catalog.!~) '[[:cntrl:]]'::pg_catalog.text)
     AND (NEW.stream IS NULL
          OR ((NEW.stream OPERATOR(pg_catalog.<>) ''::pg_catalog.text)
              AND (pg_catalog.length(NEW.stream) OPERATOR(pg_catalog.<=) 200)
              AND (NEW.stream OPERATOR(pg_catalog.!~) '[[:cntrl:]]'::pg_catalog.text))) THEN
    -- A first write that appends to a stream queues behind the other first writers of the stream
    -- before it takes its transaction id (an advisory lock needs none; a row lock would take it).
    IF NEW.stream IS NOT NULL AND pg_catalog.pg_current_xact_id_if_assigned() IS NULL THEN
      PERFORM pg_catalog.pg_advisory_xact_lock(
        pg_catalog.hashtextextended('eventlog.streams ' OPERATOR(pg_catalog.||) NEW.stream, 0));
    END IF;
    NEW.tx_order := pg_catalog.pg_current_xact_id()::pg_catalog.text::pg_catalog.int8 OPERATOR(pg_catalog.+) eventlog._clock_offset();
    v_etag := pg_catalog.nextval('eventlog.events_etag_seq'::pg_catalog.regclass);
    IF (v_etag OPERATOR(pg_catalog./) eventlog._partition_size())
       OPERATOR(pg_catalog.<>) (NEW.etag OPERATOR(pg_catalog./) eventlog._partition_size()) THEN
      v_etag := eventlog._etag_in_range(NEW.etag, v_etag);
    END IF;
    NEW.etag := v_etag;
    RETURN NEW;
  END IF;
  -- A restore (pg_restore, psql -f of a dump; 0004) writes every event as it was dumped, with its
  -- etag, position and version; a new event never reaches this, since it brings no tx_order.
  IF eventlog._restoring() THEN
    RETURN NEW;
  END IF;
  PERFORM eventlog._refuse_append(NEW);
  RETURN NULL;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.tg_events__check_append() FROM PUBLIC;

COMMENT ON FUNCTION eventlog.tg_events__check_append() IS
  'Trigger function: sets a valid new event''s etag and log position, refuses a bad one or one that gives its own etag, position or version.';

CREATE TRIGGER _100_check_append
  BEFORE INSERT ON eventlog.events
  FOR EACH ROW EXECUTE FUNCTION eventlog.tg_events__check_append();

-- Runs after the check (same-event triggers fire in name order), so the stream name is valid and
-- tx_order is set.
-- SECURITY DEFINER: writers have no rights on eventlog.streams.
--
-- A stream's versions must increase in log order, or a reader that follows the log (a consumer
-- group member, a projection) would see version 2 before version 1. Log order is by transaction
-- id, fixed at a transaction's first write; so a transaction that got its id before another one,
-- then appended to a stream after that other one appended to it and committed, would place the
-- next version before the previous one. That append is refused with 40001 (nothing is written;
-- the retry gets a new, later id). Appenders whose first write is the append queue on the
-- stream before they take their id (the check trigger), so they never meet it; it needs a
-- transaction that wrote something else first, then appended after a later one did.
--
-- append_to_stream with several events reserves all their versions with one update of the stream's
-- row (version moves to the last one, reserved_from names the first) and names the next one in the
-- transaction-local setting eventlog.stream_reservation ('<next version>' newline '<stream>') just
-- before its one INSERT; each of that INSERT's rows takes the next reserved version here and moves
-- the setting on, instead of updating the row once per event (docs/streams.md, "One update per
-- call"). The setting alone proves nothing (any role can set it), so a row takes a version from it
-- only while the stream's row, as this transaction sees it, holds a reservation that covers it;
-- append_to_stream clears the reservation in the same call, so it is never committed and never
-- seen by another transaction. Any other row, and a row that finds no such reservation, takes the
-- upsert below.
CREATE FUNCTION eventlog.tg_events__assign_stream_version()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_reservation text := pg_catalog.current_setting('eventlog.stream_reservation', true);
  v_next integer;
BEGIN
  -- A restored event keeps its version: the check trigger, which runs first, lets a given version
  -- through only in a restore (_restoring(), 0004), and the dump brings the stream's row too. (Not
  -- asked again here: this function runs as its owner, and _restoring() asks about the role.)
  IF NEW.version IS NOT NULL THEN
    RETURN NEW;
  END IF;
  IF v_reservation <> '' AND pg_catalog.split_part(v_reservation, E'\n', 2) = NEW.stream THEN
    v_next := pg_catalog.split_part(v_reservation, E'\n', 1)::integer;
    PERFORM 1 FROM eventlog.streams AS s
    WHERE s.stream = NEW.stream
      AND v_next BETWEEN s.reserved_from AND s.version
      AND s.tx_order = NEW.tx_order;
    IF FOUND THEN
      -- An assignment, not PERFORM: an expression, not a query.
      v_reservation := pg_catalog.set_config('eventlog.stream_reservation', (v_next + 1)::text || E'\n' || NEW.stream, true);
      NEW.version := v_next;
      RETURN NEW;
    END IF;
  END IF;
  INSERT INTO eventlog.streams AS s (stream, version, tx_order)
  VALUES (NEW.stream, 1, NEW.tx_order)
  ON CONFLICT ON CONSTRAINT streams_pkey DO UPDATE SET version = s.version + 1, tx_order = EXCLUDED.tx_order
    WHERE s.tx_order <= EXCLUDED.tx_order
  RETURNING s.version INTO NEW.version;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'stream % was appended to by a transaction that began writing after this one and committed first',
        eventlog._display(NEW.stream)
      USING ERRCODE = 'serialization_failure',
            DETAIL = 'This event would come before that one in the log, with the later version.',
            HINT = 'Retry the transaction; appending to the stream before writing anything else avoids it.';
  END IF;
  RETURN NEW;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.tg_events__assign_stream_version() FROM PUBLIC;

COMMENT ON FUNCTION eventlog.tg_events__assign_stream_version() IS
  'Trigger function: gives a new event with a stream that stream''s next version.';

CREATE TRIGGER _200_assign_stream_version
  BEFORE INSERT ON eventlog.events
  FOR EACH ROW
  WHEN (NEW.stream IS NOT NULL)
  EXECUTE FUNCTION eventlog.tg_events__assign_stream_version();

ALTER TABLE eventlog.events ENABLE ALWAYS TRIGGER _100_check_append;
ALTER TABLE eventlog.events ENABLE ALWAYS TRIGGER _200_assign_stream_version;

-- Writers name only these columns. SELECT lets INSERT ... RETURNING give the new rows back.
GRANT INSERT (event_type, stream, payload, metadata) ON eventlog.events TO eventlog_writer, eventlog_admin;
GRANT SELECT ON eventlog.events TO eventlog_writer;
