-- peek_changes: what get_changes(tbl, client) would return, without moving the cursor. With
-- ack_changes it gives at-least-once delivery of a table's changes to work done outside the
-- database, as peek_event/ack_event do for the whole log (0019, 0020): peek, apply, ack the last
-- etag; a consumer that dies or rolls back in between gets the same changes from its next peek.
--
-- So that ack_changes accepts exactly the etags it handed out, a peek whose batch reaches past the
-- end of every earlier peek since the client was created or sought records that end on the cursor
-- row (change_cursors.peeked_tx_order/_etag, committed like a cursor move: _relax_cursor_commit).
-- Peeking the same batch again, or an empty batch, writes nothing. In a read-only transaction
-- nothing is recorded: the changes are returned, but ack_changes will not accept them.
--
-- Like get_changes(tbl, client), the first use creates the client at the beginning of the log,
-- owned by the calling role. A cursor before an archived range gets get_event's answer
-- (_check_archived).

-- Creates a change client of tbl at a position, owned by the caller, unless it exists (a
-- concurrent first use may win: then it is theirs and the caller must be allowed to use it);
-- returns the cursor row.
CREATE FUNCTION eventlog._open_change_client(tbl regclass, client text, tx_order bigint, etag bigint)
RETURNS eventlog.change_cursors
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cursor eventlog.change_cursors;
BEGIN
  PERFORM eventlog._check_client_name(_open_change_client.client);
  INSERT INTO eventlog.change_cursors AS c (client, tbl, tx_order, etag, owner_role)
  VALUES (_open_change_client.client, _open_change_client.tbl, _open_change_client.tx_order,
          _open_change_client.etag, eventlog._client_caller())
  ON CONFLICT ON CONSTRAINT change_cursors_pkey DO NOTHING;
  SELECT c.* INTO STRICT v_cursor
  FROM eventlog.change_cursors AS c
  WHERE c.client = _open_change_client.client AND c.tbl = _open_change_client.tbl;
  IF v_cursor.owner_role <> eventlog._client_caller() THEN
    PERFORM eventlog._check_client_access(v_cursor.client, v_cursor.owner_role);
  END IF;
  RETURN v_cursor;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._open_change_client(regclass, text, bigint, bigint) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._open_change_client(regclass, text, bigint, bigint) IS
  'Internal: creates the change client of tbl at (tx_order, etag) for the caller unless it exists; returns its cursor row.';

-- The stream prefix of a tracked table; 22004 for NULL, EL042 for a table that is not tracked.
CREATE FUNCTION eventlog._tracked_prefix(tbl regclass)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_prefix text;
BEGIN
  IF _tracked_prefix.tbl IS NULL THEN
    RAISE EXCEPTION 'tbl must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass a tracked table; eventlog.tracked_tables lists them.';
  END IF;
  SELECT t.stream_prefix INTO v_prefix FROM eventlog.tracked_tables AS t WHERE t.tbl = _tracked_prefix.tbl;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'table % is not tracked', _tracked_prefix.tbl
      USING ERRCODE = 'EL042',
            HINT = 'eventlog.tracked_tables lists the tracked tables; track_table starts tracking one.';
  END IF;
  RETURN v_prefix;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._tracked_prefix(regclass) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._tracked_prefix(regclass) IS
  'Internal: the recorded stream prefix of a tracked table; raises for NULL and for a table that is not tracked.';

CREATE FUNCTION eventlog.peek_changes(tbl regclass, client text, max_rows integer DEFAULT 1000)
RETURNS SETOF eventlog.events
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_prefix text;
  v_cursor eventlog.change_cursors;
  v_horizon bigint;
  v_relaxed text;
  v_to_tx_order bigint;
  v_to_etag bigint;
BEGIN
  IF peek_changes.max_rows IS NULL OR peek_changes.max_rows < 1 OR peek_changes.max_rows > 10000 THEN
    RAISE EXCEPTION 'max_rows must be between 1 and 10000, got %', coalesce(peek_changes.max_rows::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Read in batches of at most 10000 changes.';
  END IF;
  IF peek_changes.client IS NULL THEN
    RAISE EXCEPTION 'client must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass a client name; to read by position, use get_changes(tbl, after_etag).';
  END IF;
  v_prefix := eventlog._tracked_prefix(peek_changes.tbl);

  SELECT c.* INTO v_cursor
  FROM eventlog.change_cursors AS c
  WHERE c.client = peek_changes.client AND c.tbl = peek_changes.tbl;
  IF NOT FOUND THEN
    v_relaxed := eventlog._relax_cursor_commit();
    v_cursor := eventlog._open_change_client(peek_changes.tbl, peek_changes.client, -1, 0);
  ELSIF v_cursor.owner_role <> eventlog._client_caller() THEN
    PERFORM eventlog._check_client_access(v_cursor.client, v_cursor.owner_role);
  END IF;
  PERFORM eventlog._check_archived(v_cursor.etag, v_cursor.tx_order, true);

  -- The end of the batch: the max_rows-th change after the cursor, else the last one.
  v_horizon := coalesce(eventlog._read_horizon(), 9223372036854775807);
  SELECT batch_end.tx_order, batch_end.etag INTO v_to_tx_order, v_to_etag
  FROM (
    (SELECT e.tx_order, e.etag
     FROM eventlog.events AS e
     WHERE (e.tx_order, e.etag) > (v_cursor.tx_order, v_cursor.etag)
       AND e.tx_order < v_horizon
       AND pg_catalog.starts_with(e.stream, v_prefix)
       AND e.event_type IN ('insert', 'update', 'delete')
     ORDER BY e.tx_order, e.etag
     OFFSET peek_changes.max_rows - 1
     LIMIT 1)
    UNION ALL
    (SELECT e.tx_order, e.etag
     FROM eventlog.events AS e
     WHERE (e.tx_order, e.etag) > (v_cursor.tx_order, v_cursor.etag)
       AND e.tx_order < v_horizon
       AND pg_catalog.starts_with(e.stream, v_prefix)
       AND e.event_type IN ('insert', 'update', 'delete')
     ORDER BY e.tx_order DESC, e.etag DESC
     LIMIT 1)
    LIMIT 1
  ) AS batch_end;
  IF v_to_etag IS NULL THEN
    IF v_relaxed IS NOT NULL AND pg_catalog.pg_current_xact_id_if_assigned() IS NULL THEN
      PERFORM pg_catalog.set_config('synchronous_commit', v_relaxed, true);
    END IF;
    RETURN;
  END IF;

  -- Record what was handed out, unless an earlier peek reached as far already. Only while the
  -- cursor is where this peek read from, or further on: if a concurrent seek_changes moved it back
  -- (this UPDATE waited for it and sees its row), the batch does not cover what lies between the
  -- new position and the batch, so recording it would let an ack skip those changes.
  IF (v_to_tx_order, v_to_etag) > (v_cursor.peeked_tx_order, v_cursor.peeked_etag)
     AND pg_catalog.current_setting('transaction_read_only') = 'off' THEN
    IF v_relaxed IS NULL THEN
      v_relaxed := eventlog._relax_cursor_commit();
    END IF;
    UPDATE eventlog.change_cursors AS c
    SET peeked_tx_order = v_to_tx_order, peeked_etag = v_to_etag
    WHERE c.client = peek_changes.client
      AND c.tbl = peek_changes.tbl
      AND (c.peeked_tx_order, c.peeked_etag) < (v_to_tx_order, v_to_etag)
      AND (c.tx_order, c.etag) >= (v_cursor.tx_order, v_cursor.etag);
  END IF;

  RETURN QUERY
    SELECT e.*
    FROM eventlog.events AS e
    WHERE (e.tx_order, e.etag) > (v_cursor.tx_order, v_cursor.etag)
      AND (e.tx_order, e.etag) <= (v_to_tx_order, v_to_etag)
      AND pg_catalog.starts_with(e.stream, v_prefix)
      AND e.event_type IN ('insert', 'update', 'delete')
    ORDER BY e.tx_order, e.etag
    LIMIT peek_changes.max_rows;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.peek_changes(regclass, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.peek_changes(regclass, text, integer) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.peek_changes(regclass, text, integer) IS
  'The changes get_changes(tbl, client) would return, without moving the client''s cursor; records the end of the batch for ack_changes; first use creates the client at the beginning.';
