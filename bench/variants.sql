-- Variants of the append path for `make bench-variants`: each one step between a bare INSERT and
-- log_event, to measure what each step costs (docs/ordering.md, "Where a function call's time
-- goes"). Loaded after bench/baseline.sql into the bench's scratch database only; never a
-- migration, never installed anywhere else. None of them checks its input or moves the log clock.
CREATE SCHEMA eventlog_variants;

-- A PL/pgSQL function around the bare INSERT, returning nothing.
CREATE FUNCTION eventlog_variants.insert_void(payload jsonb)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  INSERT INTO eventlog_bench.plain_events (payload) VALUES (insert_void.payload);
END;
$$;

-- The same, returning the new row the way log_event does.
CREATE FUNCTION eventlog_variants.insert_returning(payload jsonb)
RETURNS SETOF eventlog_bench.plain_events
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  RETURN QUERY INSERT INTO eventlog_bench.plain_events (payload) VALUES (insert_returning.payload) RETURNING *;
END;
$$;

-- The same into eventlog.events (its indexes, and its append triggers, which set tx_order and
-- check the row): the empty shell of log_event.
CREATE FUNCTION eventlog_variants.insert_into_events(payload jsonb)
RETURNS SETOF eventlog.events
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
AS $$
BEGIN
  RETURN QUERY
    INSERT INTO eventlog.events (payload)
    VALUES (insert_into_events.payload)
    RETURNING *;
END;
$$;

-- The shell plus the pinned search_path every SECURITY DEFINER function of ours has.
CREATE FUNCTION eventlog_variants.insert_into_events_pinned(payload jsonb)
RETURNS SETOF eventlog.events
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY
    INSERT INTO eventlog.events (payload)
    VALUES (insert_into_events_pinned.payload)
    RETURNING *;
END;
$$;
