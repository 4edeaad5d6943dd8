-- peek_event: what get_event would return, without moving the cursor. With ack_event it gives
-- at-least-once delivery to work done outside the database: peek, do the work, ack the last etag;
-- a consumer that dies in between gets the same events from its next peek.
--
-- So that ack_event accepts exactly the etags it handed out, a peek whose batch reaches past the
-- end of every earlier peek since the cursor was created or sought records that end on the cursor
-- row (peeked_tx_order/_etag, a HOT update that commits like a cursor move, see
-- _relax_cursor_commit). Peeking the same batch again, or an empty batch, writes nothing. In a
-- read-only transaction (a hot standby, SET TRANSACTION READ ONLY) nothing is recorded: the events
-- are returned, but ack_event will not accept them.
--
-- Like get_event, the first use creates the client (or the group shape) at the beginning, so a
-- consumer that only peeks and acks can start on its own.
CREATE FUNCTION eventlog.peek_event(
  client text,
  max_rows integer DEFAULT 1,
  member integer DEFAULT 0,
  members integer DEFAULT 1
)
RETURNS SETOF eventlog.events
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_cursor eventlog.client_cursors;
  v_horizon bigint;
  v_relaxed text;
  v_to_tx_order bigint;
  v_to_etag bigint;
  v_etag_floor bigint;
  v_archived boolean;
BEGIN
  IF peek_event.max_rows IS NULL OR peek_event.max_rows < 1 OR peek_event.max_rows > 10000 THEN
    RAISE EXCEPTION 'max_rows must be between 1 and 10000, got %', coalesce(peek_event.max_rows::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Read in batches of at most 10000 events.';
  END IF;
  PERFORM eventlog._check_group(peek_event.member, peek_event.members);

  SELECT c.* INTO v_cursor
  FROM eventlog.client_cursors AS c
  WHERE c.client = peek_event.client
    AND c.members = peek_event.members
    AND c.member = peek_event.member;
  IF NOT FOUND THEN
    v_relaxed := eventlog._relax_cursor_commit();
    v_cursor := eventlog._open_client(peek_event.client, peek_event.member, peek_event.members);
  ELSIF v_cursor.owner_role <> coalesce(NULLIF(pg_catalog.current_setting('role'), 'none'), session_user) THEN
    PERFORM eventlog._check_client_access(v_cursor.client, v_cursor.owner_role);
  END IF;

  -- The etag floor of the cursor's position (the statement of _etag_floor, inlined: closed etag
  -- ranges below it hold only earlier events, so runtime pruning leaves their partitions out), and
  -- whether an archived range holds an event at or after it (archived ranges are closed, so one
  -- can only lie at or above the floor): then EL051 naming the client, or with
  -- eventlog.skip_archived on a NOTICE, and the peek goes on with what the log holds.
  SELECT COALESCE(f.etag, 0),
         EXISTS (SELECT FROM eventlog.archived_ranges AS a
                 WHERE a.from_etag >= COALESCE(f.etag, 0) AND a.max_tx_order >= v_cursor.tx_order
                   AND (a.max_tx_order > v_cursor.tx_order OR v_cursor.etag < a.to_etag))
  INTO v_etag_floor, v_archived
  FROM ((SELECT r.from_etag AS etag FROM eventlog.partition_ranges AS r
         WHERE r.max_tx_order_so_far IS NOT NULL AND r.max_tx_order_so_far >= v_cursor.tx_order
         ORDER BY r.max_tx_order_so_far, r.from_etag LIMIT 1)
        UNION ALL
        (SELECT r.to_etag FROM eventlog.partition_ranges AS r
         WHERE r.max_tx_order_so_far IS NOT NULL
         ORDER BY r.max_tx_order_so_far DESC, r.from_etag DESC LIMIT 1)
        UNION ALL
        (SELECT NULL::bigint)
        LIMIT 1) AS f;
  IF v_archived THEN
    PERFORM eventlog._check_client_archived(peek_event.client, v_cursor.tx_order, v_cursor.etag);
  END IF;

  -- The end of the batch: the max_rows-th event of the share after the cursor, else the last one.
  v_horizon := coalesce(eventlog._read_horizon(), 9223372036854775807);
  SELECT batch_end.tx_order, batch_end.etag INTO v_to_tx_order, v_to_etag
  FROM (
    (SELECT e.tx_order, e.etag
     FROM eventlog.events AS e
     WHERE (e.tx_order, e.etag) > (v_cursor.tx_order, v_cursor.etag)
       AND e.tx_order < v_horizon
       AND e.etag >= v_etag_floor
       AND (peek_event.members = 1
            OR CASE WHEN e.stream IS NULL THEN 0
                    ELSE pg_catalog.abs(pg_catalog.hashtextextended(e.stream, 0) % peek_event.members) END = peek_event.member)
     ORDER BY e.tx_order, e.etag
     OFFSET peek_event.max_rows - 1
     LIMIT 1)
    UNION ALL
    (SELECT e.tx_order, e.etag
     FROM eventlog.events AS e
     WHERE (e.tx_order, e.etag) > (v_cursor.tx_order, v_cursor.etag)
       AND e.tx_order < v_horizon
       AND e.etag >= v_etag_floor
       AND (peek_event.members = 1
            OR CASE WHEN e.stream IS NULL THEN 0
                    ELSE pg_catalog.abs(pg_catalog.hashtextextended(e.stream, 0) % peek_event.members) END = peek_event.member)
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
  -- cursor is where this peek read from, or further on: if a concurrent seek_client moved it back
  -- (this UPDATE waited for it and sees its row), the batch does not cover what lies between the
  -- new position and the batch, so recording it would let an ack skip those events.
  IF (v_to_tx_order, v_to_etag) > (v_cursor.peeked_tx_order, v_cursor.peeked_etag)
     AND pg_catalog.current_setting('transaction_read_only') = 'off' THEN
    IF v_relaxed IS NULL THEN
      v_relaxed := eventlog._relax_cursor_commit();
    END IF;
    UPDATE eventlog.client_cursors AS c
    SET peeked_tx_order = v_to_tx_order, peeked_etag = v_to_etag
    WHERE c.client = peek_event.client
      AND c.members = peek_event.members
      AND c.member = peek_event.member
      AND (c.peeked_tx_order, c.peeked_etag) < (v_to_tx_order, v_to_etag)
      AND (c.tx_order, c.etag) >= (v_cursor.tx_order, v_cursor.etag);
  END IF;

  RETURN QUERY
    SELECT e.*
    FROM eventlog.events AS e
    WHERE (e.tx_order, e.etag) > (v_cursor.tx_order, v_cursor.etag)
      AND (e.tx_order, e.etag) <= (v_to_tx_order, v_to_etag)
      AND e.etag >= v_etag_floor
      AND (peek_event.members = 1
           OR CASE WHEN e.stream IS NULL THEN 0
                   ELSE pg_catalog.abs(pg_catalog.hashtextextended(e.stream, 0) % peek_event.members) END = peek_event.member)
    ORDER BY e.tx_order, e.etag
    LIMIT peek_event.max_rows;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.peek_event(text, integer, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.peek_event(text, integer, integer, integer) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.peek_event(text, integer, integer, integer) IS
  'The events get_event would return for this client (or group member), without moving its cursor; records the end of the batch for ack_event; first use creates the client at the beginning.';
