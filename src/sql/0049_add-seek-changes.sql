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
-- Overloads, as seek_client has them: seek_changes(tbl, client, etag bigint), any etag the log
-- returned (also one compacted since, _position_of); seek_changes(tbl, client, at timestamptz);
-- and seek_changes(tbl, client, target text) for 'beginning', 'end', numbers and timestamps given
-- as text (an untyped literal resolves to the text overload).

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

-- At a time: just before the first event of the log, in log order, of a transaction that began at
-- or after it, below the read horizon -- seek_client's rule (0021), so every change of the table
-- with ctime >= at is delivered afterwards, and some older ones that follow the first such event
-- in log order may be too. No event at or after that time: the same as 'end'. Like seek_client's
-- search it reads the log from the beginning (events has no index on ctime).
CREATE FUNCTION eventlog.seek_changes(tbl regclass, client text, at timestamptz)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_horizon bigint;
  v_first eventlog.events;
  v_etag bigint;
BEGIN
  IF seek_changes.at IS NULL THEN
    RAISE EXCEPTION 'at must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass a timestamp, an etag, ''beginning'' or ''end''.';
  END IF;
  IF seek_changes.client IS NULL THEN
    RAISE EXCEPTION 'client must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass the name of the change client to move.';
  END IF;
  -- The refusals first (untracked table, bad name, another role's client), before the search.
  PERFORM eventlog._tracked_prefix(seek_changes.tbl);
  PERFORM eventlog._check_client_name(seek_changes.client);
  PERFORM eventlog._check_client_access(c.client, c.owner_role)
  FROM eventlog.change_cursors AS c
  WHERE c.client = seek_changes.client AND c.tbl = seek_changes.tbl;

  v_horizon := coalesce(eventlog._read_horizon(), 9223372036854775807);
  SELECT e.* INTO v_first
  FROM eventlog.events AS e
  WHERE e.tx_order < v_horizon
    AND e.ctime >= seek_changes.at
  ORDER BY e.tx_order, e.etag
  LIMIT 1;
  IF NOT FOUND THEN
    RETURN eventlog.seek_changes(seek_changes.tbl, seek_changes.client, 'end'::text);
  END IF;
  SELECT e.etag INTO v_etag
  FROM eventlog.events AS e
  WHERE (e.tx_order, e.etag) < (v_first.tx_order, v_first.etag)
  ORDER BY e.tx_order DESC, e.etag DESC
  LIMIT 1;
  RETURN eventlog.seek_changes(seek_changes.tbl, seek_changes.client, coalesce(v_etag, 0));
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.seek_changes(regclass, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.seek_changes(regclass, text, timestamptz) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.seek_changes(regclass, text, timestamptz) IS
  'Moves the change client''s cursor to just before the first event written at or after at, creating the client if needed; returns the etag it now stands after.';

-- 'beginning', 'end' (after the last event of the log below the read horizon: every change final
-- now is skipped, every transaction still open is delivered), a number (an etag) or a timestamp.
CREATE FUNCTION eventlog.seek_changes(tbl regclass, client text, target text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_target text := pg_catalog.lower(pg_catalog.btrim(seek_changes.target));
  v_etag bigint;
  v_at timestamptz;
BEGIN
  IF seek_changes.target IS NULL THEN
    RAISE EXCEPTION 'target must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass ''beginning'', ''end'', an etag or a timestamp.';
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
    IF v_target::numeric NOT BETWEEN -9223372036854775808 AND 9223372036854775807 THEN
      RAISE EXCEPTION 'seek target % is out of range: etags lie between 0 and 9223372036854775807', eventlog._display(seek_changes.target)
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Pass an etag the log returned, ''beginning'', ''end'' or a timestamp.';
    END IF;
    RETURN eventlog.seek_changes(seek_changes.tbl, seek_changes.client, v_target::bigint);
  END IF;
  BEGIN
    v_at := seek_changes.target::timestamptz;
  EXCEPTION
    WHEN data_exception THEN
      RAISE EXCEPTION 'seek target % is not ''beginning'', ''end'', an etag or a timestamp', eventlog._display(seek_changes.target)
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'For example seek_changes(''public.orders'', ''mirror'', ''end'') or seek_changes(''public.orders'', ''mirror'', ''2024-05-01 12:00+00'').';
  END;
  RETURN eventlog.seek_changes(seek_changes.tbl, seek_changes.client, v_at);
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.seek_changes(regclass, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.seek_changes(regclass, text, text) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.seek_changes(regclass, text, text) IS
  'Moves the change client''s cursor to ''beginning'', ''end'' (the current read horizon), an etag or a timestamp given as text, creating the client if needed; returns the etag it now stands after.';
