-- seek_changes: moves a change client's cursor, so that the next change delivered is the first one
-- of the table after the new position, as seek_client does for log clients (0021). Returns the
-- etag the client now stands after (0: the beginning). Changes skipped this way are skipped on
-- purpose; changes moved back over are delivered again. A seek also forgets what peek_changes
-- returned (peeked_tx_order/_etag): ack_changes then accepts only etags peeked after the seek.
--
-- Unlike seek_client, seek_changes creates the client when it does not exist yet (owned by the
-- caller, at the position sought), so that a new consumer can start at the end, or after an etag
-- it kept, without first reading from the beginning (which, with archived ranges, is refused).
--
-- Overloads: seek_changes(tbl, client, etag bigint), any etag the log returned (also one
-- compacted since, _position_of); and seek_changes(tbl, client, target text) for 'beginning',
-- 'end' and numbers given as text (an untyped literal resolves to the text overload). Not by time:
-- seek_client(client, at) reads the log from the beginning to find a time, which a table's
-- consumer can do itself with get_changes.

CREATE FUNCTION eventlog.seek_changes(tbl regclass, client text, etag bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_tx_order bigint;
  v_cursor eventlog.change_cursors;
BEGIN
  IF seek_changes.client IS NULL THEN
    RAISE EXCEPTION 'client must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass the name of the change client to move.';
  END IF;
  PERFORM eventlog._tracked_prefix(seek_changes.tbl);
  -- Any etag the log returned, also one whose event was removed since (compaction); refuses NULL,
  -- negative etags and etags the log never returned; EL051 for one in an archived range.
  v_tx_order := eventlog._position_of(seek_changes.etag, 'etag');

  SELECT c.* INTO v_cursor
  FROM eventlog.change_cursors AS c
  WHERE c.client = seek_changes.client AND c.tbl = seek_changes.tbl;
  IF NOT FOUND THEN
    v_cursor := eventlog._open_change_client(seek_changes.tbl, seek_changes.client, v_tx_order, seek_changes.etag);
  ELSE
    PERFORM eventlog._check_client_access(v_cursor.client, v_cursor.owner_role);
  END IF;

  -- What peek_changes handed out before no longer counts: after a seek back, acknowledging an
  -- etag of an earlier peek would skip the changes the seek is meant to deliver again.
  UPDATE eventlog.change_cursors AS c
  SET tx_order = v_tx_order, etag = seek_changes.etag, peeked_tx_order = -1, peeked_etag = 0,
      moved_at = pg_catalog.now()
  WHERE c.client = seek_changes.client AND c.tbl = seek_changes.tbl;
  RETURN seek_changes.etag;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.seek_changes(regclass, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.seek_changes(regclass, text, bigint) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.seek_changes(regclass, text, bigint) IS
  'Moves the change client''s cursor to just after etag (0: the beginning), creating the client if needed; returns etag.';

-- 'beginning', 'end' (after the last event of the log below the read horizon: every change final
-- now is skipped, every transaction still open is delivered) or a number (an etag).
CREATE FUNCTION eventlog.seek_changes(tbl regclass, client text, target text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_target text := pg_catalog.lower(pg_catalog.btrim(seek_changes.target));
  v_etag bigint;
BEGIN
  IF seek_changes.target IS NULL THEN
    RAISE EXCEPTION 'target must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass ''beginning'', ''end'' or an etag.';
  END IF;
  IF v_target = 'beginning' THEN
    RETURN eventlog.seek_changes(seek_changes.tbl, seek_changes.client, 0::bigint);
  ELSIF v_target = 'end' THEN
    SELECT e.etag INTO v_etag
    FROM eventlog.events AS e
    WHERE e.tx_order < (SELECT coalesce(eventlog._read_horizon(), 9223372036854775807))
    ORDER BY e.tx_order DESC, e.etag DESC
    LIMIT 1;
    RETURN eventlog.seek_changes(seek_changes.tbl, seek_changes.client, coalesce(v_etag, 0));
  ELSIF v_target ~ '^[-+]?[0-9]+$' THEN
    RETURN eventlog.seek_changes(seek_changes.tbl, seek_changes.client, v_target::bigint);
  END IF;
  RAISE EXCEPTION 'seek target % is not ''beginning'', ''end'' or an etag', eventlog._display(seek_changes.target)
    USING ERRCODE = 'invalid_parameter_value',
          HINT = 'For example seek_changes(''public.orders'', ''mirror'', ''end'') or seek_changes(''public.orders'', ''mirror'', 1005).';
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.seek_changes(regclass, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.seek_changes(regclass, text, text) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.seek_changes(regclass, text, text) IS
  'Moves the change client''s cursor to ''beginning'', ''end'' (the current read horizon) or an etag given as text, creating the client if needed; returns the etag it now stands after.';
