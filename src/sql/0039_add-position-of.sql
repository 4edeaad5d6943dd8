-- Where an etag stands in the log, also after its event was removed. Every read that resumes
-- after an etag (get_event(after_etag), get_changes(tbl, after_etag), seek_client(client, etag),
-- and through them the numeric forms of get_event(client) and get_changes(tbl, client)) asks
-- _position_of for the etag's tx_order and then reads after (tx_order, etag), so SPEC §2 holds for
-- every etag the log ever returned: "get_event(after_etag) works for any etag the log ever
-- returned, including events since compacted".
--
-- A removed event's position is kept in removed_positions as a range of etags that all stood at
-- one tx_order. Whoever removes events (compact) records them there in the same transaction, and
-- only removes events below the read horizon, where the log is final: no event can appear next to
-- a removed one later, so continuing after (tx_order, etag) of a removed event returns exactly
-- what it would have returned before the removal, minus the removed events.
--
-- A range covers only etags that were all removed and all stood at its tx_order: the remover
-- joins consecutive etags into one range only while every etag between them is one it removes
-- (the range is dense). So no etag of another transaction, live or removed, and no etag of a
-- rolled-back append, lies inside a range, ranges never overlap, and the lookup is exact: the one
-- range with the greatest first_etag at or below the etag, if it reaches the etag.
CREATE TABLE eventlog.removed_positions (
  first_etag bigint NOT NULL,
  last_etag bigint NOT NULL,
  tx_order bigint NOT NULL,
  removed_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT removed_positions_pkey PRIMARY KEY (first_etag),
  CONSTRAINT removed_positions_range CHECK (last_etag >= first_etag AND first_etag > 0)
);

GRANT SELECT ON eventlog.removed_positions TO eventlog_admin;

COMMENT ON TABLE eventlog.removed_positions IS
  'Where removed events stood: ranges of etags, all removed, that shared one tx_order; get_event and get_changes resume after them.';
COMMENT ON COLUMN eventlog.removed_positions.first_etag IS
  'First etag of the range.';
COMMENT ON COLUMN eventlog.removed_positions.last_etag IS
  'Last etag of the range; every etag from first_etag to last_etag was a removed event of tx_order.';
COMMENT ON COLUMN eventlog.removed_positions.tx_order IS
  'tx_order of every event of the range.';
COMMENT ON COLUMN eventlog.removed_positions.removed_at IS
  'When the range was removed.';

-- The tx_order of an etag the log returned: -1 for 0 (the beginning), the event's own for an etag
-- in the log, the recorded one for a removed etag. Refuses NULL (22004), a negative etag (22023)
-- and an etag the log never returned (EL001: one of a rolled-back append, or never issued);
-- argument names the caller's parameter in those messages. The common case is one primary-key
-- probe of events; removed_positions is read only when that finds nothing.
CREATE FUNCTION eventlog._position_of(etag bigint, argument text DEFAULT 'after_etag')
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_tx_order bigint;
BEGIN
  IF _position_of.etag IS NULL THEN
    RAISE EXCEPTION '% must not be NULL', _position_of.argument
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass 0 to read from the beginning of the log.';
  END IF;
  IF _position_of.etag <= 0 THEN
    IF _position_of.etag = 0 THEN
      RETURN -1;
    END IF;
    RAISE EXCEPTION '% must not be negative, got %', _position_of.argument, _position_of.etag
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass 0 to read from the beginning of the log, or an etag the log returned.';
  END IF;

  SELECT e.tx_order INTO v_tx_order FROM eventlog.events AS e WHERE e.etag = _position_of.etag;
  IF FOUND THEN
    RETURN v_tx_order;
  END IF;
  SELECT r.tx_order INTO v_tx_order
  FROM (SELECT r.tx_order, r.last_etag
        FROM eventlog.removed_positions AS r
        WHERE r.first_etag <= _position_of.etag
        ORDER BY r.first_etag DESC
        LIMIT 1) AS r
  WHERE r.last_etag >= _position_of.etag;
  IF FOUND THEN
    RETURN v_tx_order;
  END IF;
  RAISE EXCEPTION 'etag % is not in the log', _position_of.etag
    USING ERRCODE = 'EL001',
          HINT = 'Pass an etag that get_event or get_changes returned, or 0 for the beginning. Etags of rolled-back appends never enter the log.';
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._position_of(bigint, text) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._position_of(bigint, text) IS
  'Internal: the tx_order an etag the log returned stands at (-1 for 0), also after its event was removed; EL001 for any other etag.';

-- Removes events and records where they stood, in the caller's transaction: the one way a
-- sanctioned remover (compact) deletes events, so that every removed etag stays resumable. The
-- DELETE passes the append-only guard through _begin_sanctioned_change, for this statement only.
-- The positions are recorded as dense ranges: etags that follow each other without a gap and
-- stood at one tx_order become one row (a statement's or transaction's events mostly do); an etag
-- between two removed ones that is not removed with them, or was never in the log, splits the
-- range. An etag already gone (removed by a concurrent call that committed first) is skipped.
-- Returns the number of events removed.
--
-- The caller keeps one promise that this function cannot check cheaply: after the removal, some
-- event of a later tx_order than every removed one stays in the log (compact appends its audit
-- event in the same transaction). The log clock (_verify_clock) moves the positions of a restored log past
-- the greatest tx_order in events; a cursor standing after a removed event must stay behind that.
CREATE FUNCTION eventlog._remove_events(etags bigint[], purpose text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_removed bigint;
BEGIN
  PERFORM eventlog._begin_sanctioned_change('DELETE', _remove_events.purpose);
  WITH removed AS (
    DELETE FROM eventlog.events AS e
    WHERE e.etag = ANY (_remove_events.etags)
    RETURNING e.etag, e.tx_order
  ), islands AS (
    SELECT r.etag, r.tx_order, r.etag - pg_catalog.row_number() OVER (PARTITION BY r.tx_order ORDER BY r.etag) AS island
    FROM removed AS r
  ), recorded AS (
    INSERT INTO eventlog.removed_positions (first_etag, last_etag, tx_order)
    SELECT pg_catalog.min(i.etag), pg_catalog.max(i.etag), i.tx_order
    FROM islands AS i
    GROUP BY i.tx_order, i.island
    RETURNING 1
  )
  SELECT (SELECT pg_catalog.count(*) FROM removed) INTO v_removed
  FROM (SELECT pg_catalog.count(*) FROM recorded) AS r;
  PERFORM eventlog._end_sanctioned_change('DELETE');
  RETURN v_removed;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._remove_events(bigint[], text) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._remove_events(bigint[], text) IS
  'Internal: deletes the events with these etags (a sanctioned change for purpose) and records their positions in removed_positions.';
