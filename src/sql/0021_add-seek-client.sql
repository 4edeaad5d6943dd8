-- seek_client: moves every cursor of a client (all members, all group sizes) to one position, so
-- that the next event delivered is the first one after it. Returns the etag the client now stands
-- after (0: the beginning). Events skipped this way are skipped on purpose; events moved back over
-- are delivered again.
--
-- Overloads: seek_client(client, etag bigint), seek_client(client, at timestamptz), and
-- seek_client(client, target text) for 'beginning' and 'end'. An untyped literal resolves to the
-- text overload, which also reads numbers as etags and anything else as a timestamp, so
-- seek_client('c', '2024-05-01') and seek_client('c', '1005') do what they say.
-- A seek also forgets what peek_event returned (peeked_tx_order/_etag): ack_event then accepts
-- only etags peeked after the seek.

CREATE FUNCTION eventlog.seek_client(client text, etag bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_tx_order bigint;
  v_message text;
  v_detail text;
  v_hint text;
BEGIN
  -- Any etag the log returned, also one whose event was removed since (compaction); refuses NULL,
  -- negative etags and etags the log never returned. An etag of an archived range is EL051,
  -- naming the client; with eventlog.skip_archived on, the client moves to the beginning of what
  -- the log still holds (as get_event(after_etag) reads on from there).
  BEGIN
    v_tx_order := eventlog._position_of(seek_client.etag, 'etag');
  EXCEPTION
    WHEN SQLSTATE 'EL051' THEN
      GET STACKED DIAGNOSTICS v_message = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
      RAISE EXCEPTION 'client % cannot seek to etag %: %', eventlog._display(seek_client.client), seek_client.etag, v_message
        USING ERRCODE = 'EL051', DETAIL = v_detail, HINT = v_hint;
  END;
  PERFORM eventlog._check_client_managed(seek_client.client);

  -- What peek_event handed out before no longer counts: after a seek back, acknowledging an etag
  -- of an earlier peek would skip the events the seek is meant to deliver again.
  UPDATE eventlog.client_cursors AS c
  SET tx_order = v_tx_order, etag = seek_client.etag, peeked_tx_order = -1, peeked_etag = 0,
      moved_at = pg_catalog.now()
  WHERE c.client = seek_client.client;
  RETURN seek_client.etag;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.seek_client(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.seek_client(text, bigint) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.seek_client(text, bigint) IS
  'Moves every cursor of the client to just after etag (0: the beginning); returns etag.';

-- At a time: just before the first event, in log order, of a transaction that began at or after
-- it. The search only looks below the read horizon, where the log is final, so every event with
-- ctime >= at is delivered afterwards, and some older ones that follow the first such event in log
-- order may be too. No event at or after that time: the same as 'end'. The search reads the log
-- from the beginning (events has no index on ctime).
CREATE FUNCTION eventlog.seek_client(client text, at timestamptz)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_horizon bigint;
  v_first eventlog.events;
  v_etag bigint := 0;
BEGIN
  IF seek_client.at IS NULL THEN
    RAISE EXCEPTION 'at must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass a timestamp, an etag, ''beginning'' or ''end''.';
  END IF;
  PERFORM eventlog._check_client_managed(seek_client.client);
  v_horizon := coalesce(eventlog._read_horizon(), 9223372036854775807);

  SELECT e.* INTO v_first
  FROM eventlog.events AS e
  WHERE e.tx_order < v_horizon
    AND e.ctime >= seek_client.at
  ORDER BY e.tx_order, e.etag
  LIMIT 1;
  IF NOT FOUND THEN
    RETURN eventlog.seek_client(seek_client.client, 'end'::text);
  END IF;
  SELECT e.etag INTO v_etag
  FROM eventlog.events AS e
  WHERE (e.tx_order, e.etag) < (v_first.tx_order, v_first.etag)
  ORDER BY e.tx_order DESC, e.etag DESC
  LIMIT 1;
  RETURN eventlog.seek_client(seek_client.client, coalesce(v_etag, 0));
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.seek_client(text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.seek_client(text, timestamptz) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.seek_client(text, timestamptz) IS
  'Moves every cursor of the client to just before the first event written at or after at; returns the etag it now stands after.';

-- 'beginning', 'end' (after the last event below the read horizon: everything final now is
-- skipped, every transaction still open is delivered), a number (an etag) or a timestamp.
CREATE FUNCTION eventlog.seek_client(client text, target text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_target text := pg_catalog.lower(pg_catalog.btrim(seek_client.target));
  v_at timestamptz;
  v_etag bigint;
BEGIN
  IF seek_client.target IS NULL THEN
    RAISE EXCEPTION 'target must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass ''beginning'', ''end'', an etag or a timestamp.';
  END IF;
  PERFORM eventlog._check_client_managed(seek_client.client);
  IF v_target = 'beginning' THEN
    RETURN eventlog.seek_client(seek_client.client, 0::bigint);
  ELSIF v_target = 'end' THEN
    SELECT e.etag INTO v_etag
    FROM eventlog.events AS e
    WHERE e.tx_order < (SELECT coalesce(eventlog._read_horizon(), 9223372036854775807))
    ORDER BY e.tx_order DESC, e.etag DESC
    LIMIT 1;
    RETURN eventlog.seek_client(seek_client.client, coalesce(v_etag, 0));
  ELSIF v_target ~ '^[-+]?[0-9]+$' THEN
    IF v_target::numeric NOT BETWEEN -9223372036854775808 AND 9223372036854775807 THEN
      RAISE EXCEPTION 'seek target % is out of range: etags lie between 0 and 9223372036854775807', eventlog._display(seek_client.target)
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Pass an etag the log returned, ''beginning'', ''end'' or a timestamp.';
    END IF;
    RETURN eventlog.seek_client(seek_client.client, v_target::bigint);
  END IF;
  BEGIN
    v_at := seek_client.target::timestamptz;
  EXCEPTION
    WHEN data_exception THEN
      RAISE EXCEPTION 'seek target % is not ''beginning'', ''end'', an etag or a timestamp', eventlog._display(seek_client.target)
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'For example seek_client(''billing'', ''end'') or seek_client(''billing'', ''2024-05-01 12:00+00'').';
  END;
  RETURN eventlog.seek_client(seek_client.client, v_at);
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.seek_client(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.seek_client(text, text) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.seek_client(text, text) IS
  'Moves every cursor of the client to ''beginning'', ''end'' (the current read horizon), an etag or a timestamp given as text; returns the etag it now stands after.';
