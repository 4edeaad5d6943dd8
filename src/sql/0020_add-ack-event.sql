-- ack_event: moves the client's cursor to an etag that peek_event returned to it and that the
-- cursor has not passed yet. peek_event records on the cursor row the end of the furthest batch it
-- returned (peeked_tx_order/_etag; seek_client clears it), so "returned" is known exactly: an
-- event after the cursor, up to that end, in this member's share. Below the read horizon the log is
-- final, so no event can appear in that range later, and every event of the share in it was in
-- some peek's batch. Anything else is refused, nothing is written:
--   EL001  the etag is not in the log;
--   EL051  the etag lies in a range detach_partitions archived (its position left the log);
--   EL010  the etag is behind the cursor: already acknowledged (moving back is seek_client's job);
--   EL011  the etag was never delivered to this client: not yet deliverable, another member's
--          event, or past the end of what peek_event has returned.
-- Acknowledging the cursor's own etag again is a no-op and writes nothing, so a retried ack is
-- harmless. An unknown client is refused (42704): peek_event creates clients, ack_event does not.
CREATE FUNCTION eventlog.ack_event(
  client text,
  etag bigint,
  member integer DEFAULT 0,
  members integer DEFAULT 1
)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cursor eventlog.client_cursors;
  v_tx_order bigint;
  v_stream text;
  v_archived_from bigint;
  v_archived_to bigint;
BEGIN
  IF ack_event.etag IS NULL THEN
    RAISE EXCEPTION 'etag must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass the etag of the last event you processed, as peek_event returned it.';
  END IF;
  IF ack_event.etag < 1 THEN
    RAISE EXCEPTION 'etag must be positive, got %', ack_event.etag
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass the etag of the last event you processed, as peek_event returned it.';
  END IF;
  PERFORM eventlog._check_group(ack_event.member, ack_event.members);

  SELECT c.* INTO v_cursor
  FROM eventlog.client_cursors AS c
  WHERE c.client = ack_event.client
    AND c.members = ack_event.members
    AND c.member = ack_event.member;
  IF NOT FOUND THEN
    PERFORM eventlog._check_client_name(ack_event.client);
    PERFORM eventlog._raise_unknown_client(ack_event.client, ack_event.members);
  END IF;
  PERFORM eventlog._check_client_access(v_cursor.client, v_cursor.owner_role);
  IF v_cursor.etag = ack_event.etag THEN
    RETURN;
  END IF;

  SELECT e.tx_order, e.stream INTO v_tx_order, v_stream
  FROM eventlog.events AS e
  WHERE e.etag = ack_event.etag;
  IF NOT FOUND THEN
    -- An etag of a range detach_partitions archived: its position left the log with it, so the
    -- cursor cannot be put there, with or without eventlog.skip_archived.
    SELECT a.from_etag, a.to_etag INTO v_archived_from, v_archived_to
    FROM eventlog.archived_ranges AS a
    WHERE a.from_etag <= ack_event.etag AND a.to_etag > ack_event.etag;
    IF FOUND THEN
      RAISE EXCEPTION 'etag % cannot be acknowledged for client %: etags % to % are archived; the first etag in the log is %',
          ack_event.etag, eventlog._display(ack_event.client), v_archived_from, v_archived_to - 1,
          COALESCE((SELECT min(e.etag) FROM eventlog.events AS e)::text, 'none (the log is empty)')
        USING ERRCODE = 'EL051',
              DETAIL = pg_catalog.format('Its cursor is at etag %s.', v_cursor.etag),
              HINT = 'Attach the range again with reattach_partitions(), or peek again (with SET eventlog.skip_archived = on it reads on with the events the log still holds) and acknowledge an etag it returns.';
    END IF;
    RAISE EXCEPTION 'etag % is not in the log', ack_event.etag
      USING ERRCODE = 'EL001',
            HINT = 'Acknowledge an etag that peek_event returned to this client.';
  END IF;

  -- From here on the checks hold under the row lock, against the cursor as it is now.
  PERFORM eventlog._relax_cursor_commit();
  SELECT c.* INTO v_cursor
  FROM eventlog.client_cursors AS c
  WHERE c.client = ack_event.client
    AND c.members = ack_event.members
    AND c.member = ack_event.member
  FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM eventlog._raise_unknown_client(ack_event.client, ack_event.members);
  END IF;
  IF v_cursor.etag = ack_event.etag THEN
    RETURN;
  END IF;
  IF (v_tx_order, ack_event.etag) < (v_cursor.tx_order, v_cursor.etag) THEN
    RAISE EXCEPTION 'etag % is behind the cursor of client % (at etag %)', ack_event.etag,
        eventlog._display(ack_event.client), v_cursor.etag
      USING ERRCODE = 'EL010',
            DETAIL = 'Events up to etag ' || v_cursor.etag || ' are acknowledged already.',
            HINT = 'Acknowledge only events after the cursor; to move a client back, use seek_client.';
  END IF;
  IF v_tx_order >= (SELECT coalesce(eventlog._read_horizon(), 9223372036854775807)) THEN
    RAISE EXCEPTION 'etag % was never delivered to client %: it is not deliverable yet', ack_event.etag,
        eventlog._display(ack_event.client)
      USING ERRCODE = 'EL011',
            DETAIL = 'An earlier transaction is still open, so peek_event cannot return this event yet.',
            HINT = 'Acknowledge an etag that peek_event returned to this client.';
  END IF;
  IF ack_event.members > 1
     AND (CASE WHEN v_stream IS NULL THEN 0
               ELSE pg_catalog.abs(pg_catalog.hashtextextended(v_stream, 0) % ack_event.members) END) <> ack_event.member THEN
    RAISE EXCEPTION 'etag % was never delivered to client %, member % of %: its stream % belongs to another member',
        ack_event.etag, eventlog._display(ack_event.client), ack_event.member, ack_event.members,
        eventlog._display(v_stream)
      USING ERRCODE = 'EL011',
            HINT = 'Acknowledge an etag that peek_event returned to this member; eventlog.stream_member(stream, members) tells which member a stream belongs to.';
  END IF;
  IF (v_tx_order, ack_event.etag) > (v_cursor.peeked_tx_order, v_cursor.peeked_etag) THEN
    IF (v_cursor.peeked_tx_order, v_cursor.peeked_etag) <= (v_cursor.tx_order, v_cursor.etag) THEN
      RAISE EXCEPTION 'etag % was never delivered to client %: no event after its cursor (at etag %) has been peeked',
          ack_event.etag, eventlog._display(ack_event.client), v_cursor.etag
        USING ERRCODE = 'EL011',
              DETAIL = 'ack_event accepts only etags that peek_event returned since the client was created or last sought; a peek in a read-only transaction records nothing.',
              HINT = 'Call peek_event first and acknowledge an etag it returned; to skip events on purpose, use seek_client.';
    END IF;
    RAISE EXCEPTION 'etag % was never delivered to client %: peek_event has returned events up to etag % only',
        ack_event.etag, eventlog._display(ack_event.client), v_cursor.peeked_etag
      USING ERRCODE = 'EL011',
            DETAIL = 'Acknowledging it would skip the events after etag ' || v_cursor.peeked_etag || ' that were never delivered.',
            HINT = 'Acknowledge an etag that peek_event returned to this client; to skip events on purpose, use seek_client.';
  END IF;

  UPDATE eventlog.client_cursors AS c
  SET tx_order = v_tx_order, etag = ack_event.etag, moved_at = pg_catalog.now()
  WHERE c.client = ack_event.client
    AND c.members = ack_event.members
    AND c.member = ack_event.member;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.ack_event(text, bigint, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.ack_event(text, bigint, integer, integer) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.ack_event(text, bigint, integer, integer) IS
  'Moves the client''s (or group member''s) cursor to etag, an event peek_event returned to it; refuses etags it was never given or has passed.';
