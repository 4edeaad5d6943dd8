-- Named clients that follow one tracked table: get_changes(tbl, client, max_rows) returns the next
-- changes of the table after the client's cursor and moves the cursor past them in the caller's
-- transaction, as get_event(client) does for the whole log (0018, docs/cursors.md). The filter is
-- the table (its recorded stream prefix and the change types), the same as get_changes(tbl,
-- after_etag). Change clients have their own names, apart from get_event's clients: the cursor
-- is per (client, table). Ownership, name rules and access follow get_event's clients (0013,
-- 0015).
--
-- peek_changes, ack_changes and seek_changes (later migrations) work on the same cursors:
-- peeked_tx_order/_etag is the end of the furthest batch peek_changes returned since the client
-- was created or sought, as on client_cursors (0012, 0019).
--
-- The read is the same two statements as get_event(client): an UPDATE of the cursor row that
-- finds the end of the batch and keeps the old position (nothing is written when there is nothing
-- to read, so an idle poller holds nothing back), then the range scan of the claimed batch. Two
-- workers on one client: the second one's UPDATE waits for the first one's transaction, then
-- (READ COMMITTED) continues after its events; under REPEATABLE READ it fails with 40001. A move
-- commits like get_event(client)'s (_relax_cursor_commit, eventlog.synchronous_cursors). A cursor
-- positioned before an archived range (detach_partitions) gets get_event's answer for such a
-- position (_check_archived: EL051, or with eventlog.skip_archived on, the changes the log still
-- holds).
CREATE TABLE eventlog.change_cursors (
  client text NOT NULL,
  tbl regclass NOT NULL,
  tx_order bigint NOT NULL DEFAULT -1,
  etag bigint NOT NULL DEFAULT 0,
  previous_tx_order bigint NOT NULL DEFAULT -1,
  previous_etag bigint NOT NULL DEFAULT 0,
  peeked_tx_order bigint NOT NULL DEFAULT -1,
  peeked_etag bigint NOT NULL DEFAULT 0,
  owner_role name NOT NULL,
  created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  moved_at timestamptz,
  CONSTRAINT change_cursors_pkey PRIMARY KEY (client, tbl)
) WITH (fillfactor = 50);

GRANT SELECT ON eventlog.change_cursors TO eventlog_admin;

COMMENT ON TABLE eventlog.change_cursors IS
  'Named clients of one tracked table: the position of the last change delivered to each.';
COMMENT ON COLUMN eventlog.change_cursors.client IS
  'Client name, 1 to 200 characters, not a number.';
COMMENT ON COLUMN eventlog.change_cursors.tbl IS
  'The tracked table the client follows.';
COMMENT ON COLUMN eventlog.change_cursors.tx_order IS
  'tx_order of the last change delivered; -1 at the beginning of the log.';
COMMENT ON COLUMN eventlog.change_cursors.etag IS
  'etag of the last change delivered; 0 at the beginning of the log.';
COMMENT ON COLUMN eventlog.change_cursors.previous_tx_order IS
  'tx_order of the position before the last move: its batch began after it.';
COMMENT ON COLUMN eventlog.change_cursors.previous_etag IS
  'etag of the position before the last move: its batch began after it.';
COMMENT ON COLUMN eventlog.change_cursors.peeked_tx_order IS
  'tx_order of the last change of the furthest batch peek_changes returned since the cursor was created or sought; -1 if none.';
COMMENT ON COLUMN eventlog.change_cursors.peeked_etag IS
  'etag of the last change of the furthest batch peek_changes returned since the cursor was created or sought; ack_changes accepts etags up to it.';
COMMENT ON COLUMN eventlog.change_cursors.owner_role IS
  'Role the client belongs to: the role that first used it; members of it and of eventlog_admin may use it too.';
COMMENT ON COLUMN eventlog.change_cursors.created_at IS
  'When the client was created (its first read).';
COMMENT ON COLUMN eventlog.change_cursors.moved_at IS
  'When the cursor last moved (get_changes, ack_changes or seek_changes); NULL if never.';

CREATE FUNCTION eventlog.get_changes(tbl regclass, client text, max_rows integer DEFAULT 1000)
RETURNS SETOF eventlog.events
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
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
