-- The first archived range that holds an event after the log position (after_tx_order,
-- after_etag), or NULL. A range whose highest position is later than the position's tx_order
-- does. A range whose highest position is the position's own transaction does only if that
-- transaction has an event in it after after_etag: none when after_etag lies at or past the
-- range's end (a transaction that straddles a partition boundary, read past it); else the
-- detached table is asked, while it exists. Once it was dropped (dumped to cold storage), the
-- range counts as holding such an event: a cursor standing on the last transaction of a dropped
-- range is treated as standing before it (docs/partitions.md).
CREATE FUNCTION eventlog._archived_after(after_tx_order bigint, after_etag bigint)
RETURNS eventlog.archived_ranges
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_range eventlog.archived_ranges;
  v_rel regclass;
  v_later boolean;
BEGIN
  FOR v_range IN
    SELECT * FROM eventlog.archived_ranges AS a
    WHERE a.max_tx_order >= _archived_after.after_tx_order
    ORDER BY a.from_etag
  LOOP
    IF v_range.max_tx_order > _archived_after.after_tx_order THEN
      RETURN v_range;
    END IF;
    CONTINUE WHEN _archived_after.after_etag >= v_range.to_etag;
    v_rel := pg_catalog.to_regclass(pg_catalog.format('eventlog.%I', v_range.partition_name));
    IF v_rel IS NULL THEN
      RETURN v_range;
    END IF;
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT FROM %s AS e WHERE e.tx_order = $1 AND e.etag > $2)', v_rel)
      INTO v_later
      USING _archived_after.after_tx_order, _archived_after.after_etag;
    IF v_later THEN
      RETURN v_range;
    END IF;
  END LOOP;
  RETURN NULL;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._archived_after(bigint, bigint) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._archived_after(bigint, bigint) IS
  'Internal: the first archived range holding an event after the log position (after_tx_order, after_etag); NULL if none.';

-- The archived-range answer for named clients (docs/partitions.md, "What named clients see"):
-- get_event(client), peek_event and the clients view ask this before they read after a cursor.
-- A cursor stands before an archived event when some range detach_partitions archived holds an
-- event after the cursor's position (_archived_after, the same rule as get_event(after_etag)'s). Then, by default, the read is refused with
-- EL051 naming the client, the range and the first etag still in the log, and nothing is written;
-- with SET eventlog.skip_archived = on the read goes on with the events the log still holds, and
-- says so with a NOTICE naming the client and the range (every read that passes over archived
-- events says it again). Returns false when the cursor is not affected, true when it skips.
-- The callers call it only when their own statement found an archived range at or above the
-- cursor's etag floor that may hold such an event (one probe of archived_ranges), so a cursor
-- after every archived range pays nothing more.
CREATE FUNCTION eventlog._check_client_archived(client text, after_tx_order bigint, after_etag bigint)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_range eventlog.archived_ranges;
  v_first bigint;
BEGIN
  v_range := eventlog._archived_after(_check_client_archived.after_tx_order, _check_client_archived.after_etag);
  IF v_range IS NULL THEN
    RETURN false;
  END IF;
  SELECT min(e.etag) INTO v_first FROM eventlog.events AS e;
  IF COALESCE(pg_catalog.current_setting('eventlog.skip_archived', true), '') IN ('on', 'true', '1') THEN
    RAISE NOTICE 'client % skips archived events: etags % to % are archived; it reads on with the events the log still holds',
        eventlog._display(_check_client_archived.client), v_range.from_etag, v_range.to_etag - 1
      USING DETAIL = pg_catalog.format('Its cursor is at etag %s; the first etag in the log is %s. The range was detached by detach_partitions() at %s into %s.',
                       _check_client_archived.after_etag, COALESCE(v_first::text, 'none (the log is empty)'), v_range.detached_at, v_range.partition_name),
            HINT = 'eventlog.skip_archived = on asked for this; reattach_partitions() brings the range back.';
    RETURN true;
  END IF;
  RAISE EXCEPTION 'client % stands before archived events: etags % to % are archived; the first etag in the log is %',
      eventlog._display(_check_client_archived.client), v_range.from_etag, v_range.to_etag - 1,
      COALESCE(v_first::text, 'none (the log is empty)')
    USING ERRCODE = 'EL051',
          DETAIL = pg_catalog.format('Its cursor is at etag %s. The range was detached by detach_partitions() at %s into %s.',
                     _check_client_archived.after_etag, v_range.detached_at, v_range.partition_name),
          HINT = 'Attach it again with reattach_partitions(), or SET eventlog.skip_archived = on to read on with the events the log still holds, or move the client with seek_client().';
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._check_client_archived(text, bigint, bigint) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._check_client_archived(text, bigint, bigint) IS
  'Internal: EL051 for a named client whose cursor stands before an archived event (unless eventlog.skip_archived is on: then a NOTICE and true).';
