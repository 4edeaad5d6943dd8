-- ack_changes: moves a change client's cursor to an etag that peek_changes returned to it and that
-- the cursor has not passed yet, as ack_event does for log clients (0020). "Returned" is known
-- exactly: peek_changes records the end of the furthest batch it returned (peeked_tx_order/_etag;
-- seek_changes clears it), and below the read horizon the log is final, so every change of the
-- table between the cursor and that end was in some peek's batch. Anything else is refused and
-- nothing is written:
--   EL001  the etag is not in the log and never was (a rolled-back append's, or never issued);
--   EL051  the etag is in an archived range (detach_partitions), as _position_of answers;
--   EL010  the etag is behind the cursor: already acknowledged (moving back is seek_changes's job);
--   EL011  the etag was never delivered to this client: another table's change or not a change,
--          not deliverable yet, or past the end of what peek_changes has returned.
-- Acknowledging the cursor's own etag again is a no-op and writes nothing, so a retried ack, or
-- the ack of a competing consumer that got the same batch, is harmless. An unknown client is
-- refused (42704): peek_changes and get_changes create change clients, ack_changes does not.
--
-- Unlike ack_event, an etag whose event compaction removed after peek_changes returned it is
-- accepted: compaction removes exactly the changes a consumer of a busy table is most likely to be
-- holding (superseded revisions), and the cursor keeps a position, not a row. Where the removed
-- event stood comes from _position_of (removed_positions). Whether it was a change of this table
-- can no longer be checked; it lies between the cursor and the end of what was peeked, so moving
-- there skips nothing that was not delivered.
CREATE FUNCTION eventlog.ack_changes(tbl regclass, client text, etag bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_prefix text;
  v_cursor eventlog.change_cursors;
  v_tx_order bigint;
  v_stream text;
  v_event_type text;
  v_in_log boolean;
BEGIN
  IF ack_changes.etag IS NULL THEN
    RAISE EXCEPTION 'etag must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass the etag of the last change you processed, as peek_changes returned it.';
  END IF;
  IF ack_changes.etag < 1 THEN
    RAISE EXCEPTION 'etag must be positive, got %', ack_changes.etag
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass the etag of the last change you processed, as peek_changes returned it.';
  END IF;
  IF ack_changes.client IS NULL THEN
    RAISE EXCEPTION 'client must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass the name of the change client that peeked the etag.';
  END IF;
  v_prefix := eventlog._tracked_prefix(ack_changes.tbl);

  SELECT c.* INTO v_cursor
  FROM eventlog.change_cursors AS c
  WHERE c.client = ack_changes.client AND c.tbl = ack_changes.tbl;
  IF NOT FOUND THEN
    PERFORM eventlog._check_client_name(ack_changes.client);
    RAISE EXCEPTION 'change client % of table % does not exist', eventlog._display(ack_changes.client), ack_changes.tbl
      USING ERRCODE = 'undefined_object',
            HINT = 'peek_changes and get_changes create a change client on first use; eventlog.change_cursors lists them.';
  END IF;
  PERFORM eventlog._check_client_access(v_cursor.client, v_cursor.owner_role);
  IF v_cursor.etag = ack_changes.etag THEN
    RETURN;
  END IF;

  SELECT e.tx_order, e.stream, e.event_type INTO v_tx_order, v_stream, v_event_type
  FROM eventlog.events AS e
  WHERE e.etag = ack_changes.etag;
  v_in_log := FOUND;
  IF NOT v_in_log THEN
    -- Removed by compaction since: where it stood. Never in the log: EL001; archived: EL051.
    v_tx_order := eventlog._position_of(ack_changes.etag, 'etag');
    IF v_tx_order < 0 THEN
      -- An archived etag with eventlog.skip_archived on: no position to move to.
      RAISE EXCEPTION 'etag % is not in the log', ack_changes.etag
        USING ERRCODE = 'EL001',
              DETAIL = 'It lies in a range detach_partitions archived.',
              HINT = 'Acknowledge an etag that peek_changes returned to this client.';
    END IF;
  ELSIF NOT (pg_catalog.starts_with(v_stream, v_prefix) AND v_event_type IN ('insert', 'update', 'delete')) THEN
    RAISE EXCEPTION 'etag % was never delivered to change client % of table %: it is not a change of that table',
        ack_changes.etag, eventlog._display(ack_changes.client), ack_changes.tbl
      USING ERRCODE = 'EL011',
            DETAIL = 'Its stream is ' || CASE WHEN v_stream IS NULL THEN 'none' ELSE eventlog._display(v_stream) END || ' and its type ' || eventlog._display(v_event_type) || '.',
            HINT = 'Acknowledge an etag that peek_changes returned to this client.';
  END IF;

  -- From here on the checks hold under the row lock, against the cursor as it is now.
  PERFORM eventlog._relax_cursor_commit();
  SELECT c.* INTO v_cursor
  FROM eventlog.change_cursors AS c
  WHERE c.client = ack_changes.client AND c.tbl = ack_changes.tbl
  FOR UPDATE;
  IF v_cursor.etag = ack_changes.etag THEN
    RETURN;
  END IF;
  IF (v_tx_order, ack_changes.etag) < (v_cursor.tx_order, v_cursor.etag) THEN
    RAISE EXCEPTION 'etag % is behind the cursor of change client % of table % (at etag %)', ack_changes.etag,
        eventlog._display(ack_changes.client), ack_changes.tbl, v_cursor.etag
      USING ERRCODE = 'EL010',
            DETAIL = 'Changes up to etag ' || v_cursor.etag || ' are acknowledged already.',
            HINT = 'Acknowledge only changes after the cursor; to move a client back, use seek_changes.';
  END IF;
  IF v_tx_order >= (SELECT coalesce(eventlog._read_horizon(), 9223372036854775807)) THEN
    RAISE EXCEPTION 'etag % was never delivered to change client % of table %: it is not deliverable yet', ack_changes.etag,
        eventlog._display(ack_changes.client), ack_changes.tbl
      USING ERRCODE = 'EL011',
            DETAIL = 'An earlier transaction is still open, so peek_changes cannot return this change yet.',
            HINT = 'Acknowledge an etag that peek_changes returned to this client.';
  END IF;
  IF (v_tx_order, ack_changes.etag) > (v_cursor.peeked_tx_order, v_cursor.peeked_etag) THEN
    IF (v_cursor.peeked_tx_order, v_cursor.peeked_etag) <= (v_cursor.tx_order, v_cursor.etag) THEN
      RAISE EXCEPTION 'etag % was never delivered to change client % of table %: no change after its cursor (at etag %) has been peeked',
          ack_changes.etag, eventlog._display(ack_changes.client), ack_changes.tbl, v_cursor.etag
        USING ERRCODE = 'EL011',
              DETAIL = 'ack_changes accepts only etags that peek_changes returned since the client was created or last sought; a peek in a read-only transaction records nothing.',
              HINT = 'Call peek_changes first and acknowledge an etag it returned; to skip changes on purpose, use seek_changes.';
    END IF;
    RAISE EXCEPTION 'etag % was never delivered to change client % of table %: peek_changes has returned changes up to etag % only',
        ack_changes.etag, eventlog._display(ack_changes.client), ack_changes.tbl, v_cursor.peeked_etag
      USING ERRCODE = 'EL011',
            DETAIL = 'Acknowledging it would skip the changes after etag ' || v_cursor.peeked_etag || ' that were never delivered.',
            HINT = 'Acknowledge an etag that peek_changes returned to this client; to skip changes on purpose, use seek_changes.';
  END IF;

  UPDATE eventlog.change_cursors AS c
  SET tx_order = v_tx_order, etag = ack_changes.etag, moved_at = pg_catalog.now()
  WHERE c.client = ack_changes.client AND c.tbl = ack_changes.tbl;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.ack_changes(regclass, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.ack_changes(regclass, text, bigint) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.ack_changes(regclass, text, bigint) IS
  'Moves the change client''s cursor to etag, a change peek_changes returned to it (also one compacted since); refuses etags it was never given or has passed.';
