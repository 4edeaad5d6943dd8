-- get_changes(tbl, client) refuses an etag given as text that does not fit a bigint with 22023
-- and a message naming it, as get_event(client) does (0018), instead of the cast's bare 22003
-- ("value ... is out of range for type bigint"), which the README does not list. Found by the
-- generated-input test with another seed (get_changes(tbl, '9223372036854775808')). The rest is
-- 0038's function, unchanged, with the SET jit = off that 0056 gave it (docs: CONTRIBUTING.md).
CREATE OR REPLACE FUNCTION eventlog.get_changes(tbl regclass, client text, max_rows integer DEFAULT 1000)
RETURNS SETOF eventlog.events
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET jit = off
AS $$
DECLARE
  v_caller name := eventlog._client_caller();
  v_prefix text;
  v_owner_role name;
  v_checked boolean := false;
  v_horizon bigint;
  v_relaxed text;
  v_from_tx_order bigint;
  v_from_etag bigint;
  v_to_tx_order bigint;
  v_to_etag bigint;
BEGIN
  IF get_changes.max_rows IS NULL OR get_changes.max_rows < 1 OR get_changes.max_rows > 10000 THEN
    RAISE EXCEPTION 'max_rows must be between 1 and 10000, got %', coalesce(get_changes.max_rows::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Read in batches of at most 10000 events.';
  END IF;
  -- An etag given as text (get_changes(tbl, '1005'), a driver's untyped $1, NULL) reads by position,
  -- as get_event(client) does; no client can have such a name.
  IF get_changes.client IS NULL OR get_changes.client ~ '^[[:space:]]*[-+]?[0-9]+[[:space:]]*$' THEN
    IF get_changes.client::numeric NOT BETWEEN -9223372036854775808 AND 9223372036854775807 THEN
      RAISE EXCEPTION 'after_etag % is out of range: etags lie between 0 and 9223372036854775807', eventlog._display(get_changes.client)
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Pass an etag the log returned, or 0 for the beginning; a client name must not read as a number.';
    END IF;
    RETURN QUERY SELECT * FROM eventlog.get_changes(get_changes.tbl, get_changes.client::bigint, get_changes.max_rows);
    RETURN;
  END IF;
  IF get_changes.tbl IS NULL THEN
    RAISE EXCEPTION 'tbl must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass a tracked table; eventlog.tracked_tables lists them.';
  END IF;
  SELECT t.stream_prefix INTO v_prefix FROM eventlog.tracked_tables AS t WHERE t.tbl = get_changes.tbl;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'table % is not tracked', get_changes.tbl
      USING ERRCODE = 'EL042',
            HINT = 'eventlog.tracked_tables lists the tracked tables; track_table starts tracking one.';
  END IF;

  -- A cursor move commits like get_event(client)'s (eventlog.synchronous_cursors, 0016).
  v_relaxed := eventlog._relax_cursor_commit();
  FOR v_attempt IN 1..2 LOOP
    v_horizon := coalesce(eventlog._read_horizon(), 9223372036854775807);
    UPDATE eventlog.change_cursors AS c
    SET (tx_order, etag) = (
          SELECT batch_end.tx_order, batch_end.etag
          FROM (
            (SELECT e.tx_order, e.etag
             FROM eventlog.events AS e
             WHERE (e.tx_order, e.etag) > (c.tx_order, c.etag)
               AND e.tx_order < v_horizon
               AND pg_catalog.starts_with(e.stream, v_prefix)
               AND e.event_type IN ('insert', 'update', 'delete')
             ORDER BY e.tx_order, e.etag
             OFFSET get_changes.max_rows - 1
             LIMIT 1)
            UNION ALL
            (SELECT e.tx_order, e.etag
             FROM eventlog.events AS e
             WHERE (e.tx_order, e.etag) > (c.tx_order, c.etag)
               AND e.tx_order < v_horizon
               AND pg_catalog.starts_with(e.stream, v_prefix)
               AND e.event_type IN ('insert', 'update', 'delete')
             ORDER BY e.tx_order DESC, e.etag DESC
             LIMIT 1)
            LIMIT 1
          ) AS batch_end
        ),
        previous_tx_order = c.tx_order,
        previous_etag = c.etag,
        moved_at = pg_catalog.now()
    WHERE c.client = get_changes.client
      AND c.tbl = get_changes.tbl
      AND (c.owner_role = v_caller OR v_checked)
      -- OFFSET 0 keeps this a subplan, evaluated again for the row PostgreSQL rechecks after
      -- waiting for another worker of the client: as a semi-join, the recheck kept the event rows
      -- the first look joined, now behind the moved cursor, and the waiting worker got an empty
      -- batch (test/capture/second-worker-continues-after-the-first, about one run in eight).
      AND EXISTS (SELECT 1 FROM eventlog.events AS e
                  WHERE (e.tx_order, e.etag) > (c.tx_order, c.etag)
                    AND e.tx_order < v_horizon
                    AND pg_catalog.starts_with(e.stream, v_prefix)
                    AND e.event_type IN ('insert', 'update', 'delete')
                  OFFSET 0)
    RETURNING c.previous_tx_order, c.previous_etag, c.tx_order, c.etag
    INTO v_from_tx_order, v_from_etag, v_to_tx_order, v_to_etag;

    IF FOUND THEN
      -- A cursor that stood before an archived range (detach_partitions) is answered like
      -- get_event(after_etag) answers such a position: EL051 (which undoes the move), or on with
      -- eventlog.skip_archived.
      PERFORM eventlog._check_archived(v_from_etag, v_from_tx_order, true);
      RETURN QUERY
        SELECT e.*
        FROM eventlog.events AS e
        WHERE (e.tx_order, e.etag) > (v_from_tx_order, v_from_etag)
          AND (e.tx_order, e.etag) <= (v_to_tx_order, v_to_etag)
          AND pg_catalog.starts_with(e.stream, v_prefix)
          AND e.event_type IN ('insert', 'update', 'delete')
        ORDER BY e.tx_order, e.etag
        LIMIT get_changes.max_rows;
      RETURN;
    END IF;
    IF v_checked THEN
      EXIT;
    END IF;

    -- Nothing delivered: no such client yet, another role's client, or nothing to read.
    SELECT c.owner_role, c.tx_order, c.etag INTO v_owner_role, v_from_tx_order, v_from_etag
    FROM eventlog.change_cursors AS c
    WHERE c.client = get_changes.client AND c.tbl = get_changes.tbl;
    IF NOT FOUND THEN
      -- First use: create it at the beginning (a concurrent first use may win; then it is theirs).
      PERFORM eventlog._check_client_name(get_changes.client);
      INSERT INTO eventlog.change_cursors AS c (client, tbl, owner_role)
      VALUES (get_changes.client, get_changes.tbl, v_caller)
      ON CONFLICT ON CONSTRAINT change_cursors_pkey DO NOTHING;
      SELECT c.owner_role, c.tx_order, c.etag INTO STRICT v_owner_role, v_from_tx_order, v_from_etag
      FROM eventlog.change_cursors AS c
      WHERE c.client = get_changes.client AND c.tbl = get_changes.tbl;
      IF v_owner_role <> v_caller THEN
        PERFORM eventlog._check_client_access(get_changes.client, v_owner_role);
      END IF;
    ELSIF v_owner_role = v_caller THEN
      -- Our own client with nothing to read; still EL051 before an archived range.
      PERFORM eventlog._check_archived(v_from_etag, v_from_tx_order, true);
      EXIT;
    ELSE
      PERFORM eventlog._check_client_access(get_changes.client, v_owner_role);
    END IF;
    PERFORM eventlog._check_archived(v_from_etag, v_from_tx_order, true);
    v_checked := true;
  END LOOP;

  -- Wrote nothing: leave synchronous_commit as the caller had it.
  IF v_relaxed IS NOT NULL AND pg_catalog.pg_current_xact_id_if_assigned() IS NULL THEN
    PERFORM pg_catalog.set_config('synchronous_commit', v_relaxed, true);
  END IF;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.get_changes(regclass, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.get_changes(regclass, text, integer) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.get_changes(regclass, text, integer) IS
  'Up to max_rows changes of a tracked table after the named client''s cursor, moving the cursor past them in the caller''s transaction; first use creates the client at the beginning.';
