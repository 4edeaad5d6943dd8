-- get_event for named clients: the next events after the client's cursor, which moves past them
-- in the caller's transaction. A plain client is a group of one; with member and members, the
-- client is read by a consumer group split by a hash of stream. See docs/cursors.md.
--
-- Overloads: an untyped literal resolves to text, so get_event('billing') lands here while
-- get_event(1005) still means an etag. Untyped arguments that read as an etag (get_event('1005'),
-- get_event(NULL), a driver's untyped $1) land here too; they are handed to
-- get_event(after_etag, max_rows), which is what such callers meant before clients existed.
--
-- One call is three statements: a primary-key lookup of the cursor row (no lock); one update
-- that finds the end of the batch (an index-only scan) and moves the cursor there (a HOT update,
-- guarded by the old position); the range scan that returns the batch. An empty batch writes
-- nothing: the transaction gets no id, so an idle poller never holds back delivery and never
-- waits for a WAL flush. Plans are generic (plan_cache_mode): the custom plans PostgreSQL would
-- otherwise keep choosing for these statements cost more to make than to run.
--
-- Two workers on one client: the second one's update waits for the first one's transaction to
-- end (the row lock), then finds the cursor moved, reads the position again (READ COMMITTED takes
-- a new snapshot for every statement of a VOLATILE function) and continues after the first one's
-- events. Under REPEATABLE READ or SERIALIZABLE it fails with 40001 instead; retry the transaction.
CREATE FUNCTION eventlog.get_event(
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
  v_tx_order bigint;
  v_etag bigint;
  v_owner_role name;
  v_horizon bigint;
  v_cursor eventlog.client_cursors;
  v_tail_tx_order bigint;
  v_tail_etag bigint;
  v_now_tx_order bigint;
  v_now_etag bigint;
  v_relaxed text;
BEGIN
  IF get_event.max_rows IS NULL OR get_event.max_rows < 1 OR get_event.max_rows > 10000 THEN
    RAISE EXCEPTION 'max_rows must be between 1 and 10000, got %', coalesce(get_event.max_rows::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Read in batches of at most 10000 events.';
  END IF;
  IF get_event.members IS NULL OR get_event.member IS NULL OR get_event.members < 1 OR get_event.members > 1024
     OR get_event.member < 0 OR get_event.member >= get_event.members THEN
    PERFORM eventlog._check_group(get_event.member, get_event.members);
  END IF;

  -- The horizon is taken in the same statement as the cursor, so never from a later snapshot
  -- than the statements that read below it.
  SELECT c.tx_order, c.etag, c.owner_role, coalesce(eventlog._read_horizon(), 9223372036854775807)
  INTO v_tx_order, v_etag, v_owner_role, v_horizon
  FROM eventlog.client_cursors AS c
  WHERE c.client = get_event.client
    AND c.members = get_event.members
    AND c.member = get_event.member;
  IF NOT FOUND THEN
    IF get_event.members = 1
       AND (get_event.client IS NULL OR get_event.client ~ '^[[:space:]]*[-+]?[0-9]+[[:space:]]*$') THEN
      RETURN QUERY SELECT * FROM eventlog.get_event(get_event.client::bigint, get_event.max_rows);
      RETURN;
    END IF;
    PERFORM eventlog._relax_cursor_commit();
    v_cursor := eventlog._open_client(get_event.client, get_event.member, get_event.members);
    v_tx_order := v_cursor.tx_order;
    v_etag := v_cursor.etag;
    v_horizon := coalesce(eventlog._read_horizon(), 9223372036854775807);
  ELSIF v_owner_role <> coalesce(NULLIF(pg_catalog.current_setting('role'), 'none'), session_user) THEN
    PERFORM eventlog._check_client_access(get_event.client, v_owner_role);
  END IF;

  v_relaxed := eventlog._relax_cursor_commit();
  FOR v_attempt IN 1..100 LOOP
    -- Move the cursor to the end of the batch: the max_rows-th event after it, or the last one
    -- there is (the second branch runs only if the first finds nothing). Guarded by the old
    -- position: if another worker's transaction moved the cursor, this waits for it to end and
    -- then updates nothing. For a plain client the batch end comes from an index-only scan.
    IF get_event.members = 1 THEN
      UPDATE eventlog.client_cursors AS c
      SET tx_order = tail.tx_order, etag = tail.etag, moved_at = pg_catalog.now()
      FROM (
        (SELECT e.tx_order, e.etag
         FROM eventlog.events AS e
         WHERE (e.tx_order, e.etag) > (v_tx_order, v_etag)
           AND e.tx_order < v_horizon
         ORDER BY e.tx_order, e.etag
         OFFSET get_event.max_rows - 1
         LIMIT 1)
        UNION ALL
        (SELECT e.tx_order, e.etag
         FROM eventlog.events AS e
         WHERE (e.tx_order, e.etag) > (v_tx_order, v_etag)
           AND e.tx_order < v_horizon
         ORDER BY e.tx_order DESC, e.etag DESC
         LIMIT 1)
        LIMIT 1
      ) AS tail
      WHERE c.client = get_event.client
        AND c.members = 1
        AND c.member = 0
        AND c.tx_order = v_tx_order
        AND c.etag = v_etag
      RETURNING tail.tx_order, tail.etag INTO v_tail_tx_order, v_tail_etag;
    ELSE
      UPDATE eventlog.client_cursors AS c
      SET tx_order = tail.tx_order, etag = tail.etag, moved_at = pg_catalog.now()
      FROM (
        (SELECT e.tx_order, e.etag
         FROM eventlog.events AS e
         WHERE (e.tx_order, e.etag) > (v_tx_order, v_etag)
           AND e.tx_order < v_horizon
           AND CASE WHEN e.stream IS NULL THEN 0
                    ELSE pg_catalog.abs(pg_catalog.hashtextextended(e.stream, 0) % get_event.members) END = get_event.member
         ORDER BY e.tx_order, e.etag
         OFFSET get_event.max_rows - 1
         LIMIT 1)
        UNION ALL
        (SELECT e.tx_order, e.etag
         FROM eventlog.events AS e
         WHERE (e.tx_order, e.etag) > (v_tx_order, v_etag)
           AND e.tx_order < v_horizon
           AND CASE WHEN e.stream IS NULL THEN 0
                    ELSE pg_catalog.abs(pg_catalog.hashtextextended(e.stream, 0) % get_event.members) END = get_event.member
         ORDER BY e.tx_order DESC, e.etag DESC
         LIMIT 1)
        LIMIT 1
      ) AS tail
      WHERE c.client = get_event.client
        AND c.members = get_event.members
        AND c.member = get_event.member
        AND c.tx_order = v_tx_order
        AND c.etag = v_etag
      RETURNING tail.tx_order, tail.etag INTO v_tail_tx_order, v_tail_etag;
    END IF;

    IF FOUND THEN
      -- The batch: below the horizon the log is final, so this is exactly the range just claimed.
      RETURN QUERY
        SELECT e.*
        FROM eventlog.events AS e
        WHERE (e.tx_order, e.etag) > (v_tx_order, v_etag)
          AND (e.tx_order, e.etag) <= (v_tail_tx_order, v_tail_etag)
          AND (get_event.members = 1
               OR CASE WHEN e.stream IS NULL THEN 0
                       ELSE pg_catalog.abs(pg_catalog.hashtextextended(e.stream, 0) % get_event.members) END = get_event.member)
        ORDER BY e.tx_order, e.etag
        LIMIT get_event.max_rows;
      RETURN;
    END IF;

    -- Nothing claimed: nothing to read, or another worker moved the cursor first, in which case
    -- continue from where it is now (READ COMMITTED: this statement sees that worker's commit).
    SELECT c.tx_order, c.etag, coalesce(eventlog._read_horizon(), 9223372036854775807)
    INTO v_now_tx_order, v_now_etag, v_horizon
    FROM eventlog.client_cursors AS c
    WHERE c.client = get_event.client
      AND c.members = get_event.members
      AND c.member = get_event.member;
    IF NOT FOUND THEN
      -- Dropped meanwhile: start again as on first use.
      v_cursor := eventlog._open_client(get_event.client, get_event.member, get_event.members);
      v_now_tx_order := v_cursor.tx_order;
      v_now_etag := v_cursor.etag;
      v_horizon := coalesce(eventlog._read_horizon(), 9223372036854775807);
    ELSIF v_now_tx_order = v_tx_order AND v_now_etag = v_etag THEN
      EXIT;
    END IF;
    v_tx_order := v_now_tx_order;
    v_etag := v_now_etag;
  END LOOP;

  -- Wrote nothing: leave synchronous_commit as the caller had it.
  IF v_relaxed IS NOT NULL AND pg_catalog.pg_current_xact_id_if_assigned() IS NULL THEN
    PERFORM pg_catalog.set_config('synchronous_commit', v_relaxed, true);
  END IF;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.get_event(text, integer, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.get_event(text, integer, integer, integer) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.get_event(text, integer, integer, integer) IS
  'Up to max_rows events after the named client''s cursor (for a consumer group: this member''s share), moving the cursor past them in the caller''s transaction; first use creates the client at the beginning.';
