-- get_event for named clients: the next events after the client's cursor, which moves past them
-- in the caller's transaction. A plain client is a group of one; with member and members, the
-- client is read by a consumer group split by a hash of stream. See docs/cursors.md.
--
-- Overloads: an untyped literal resolves to text, so get_event('billing') lands here while
-- get_event(1005) still means an etag. Untyped arguments that read as an etag (get_event('1005'),
-- a driver's untyped $1) land here too; they are handed to
-- get_event(after_etag, max_rows) before anything is written, which is what such callers
-- meant before clients existed, and which works on a hot standby.
--
-- The usual call is three statements: a look at the cursor row (where it stands, the etag floor
-- of that position for pruned tail reads, and whether an archived range lies after it); an UPDATE
-- of the cursor row that finds the end of the batch (the last of the next max_rows events; an
-- index-only scan for a plain client), keeps the old position in previous_tx_order/_etag and
-- moves the cursor (a HOT update); then the range scan that returns the batch. The UPDATE changes
-- nothing when there is nothing to read, so an empty batch writes nothing: the transaction gets
-- no id, an idle poller never holds back delivery and never waits for a WAL flush. First use
-- creates the client and looks again. A cursor before an archived event is refused with EL051
-- (or, with eventlog.skip_archived on, reads on with a NOTICE): _check_client_archived.
--
-- Two workers on one client: the second one's UPDATE waits for the first one's transaction to end
-- (the row lock); under READ COMMITTED PostgreSQL then evaluates the UPDATE again against the row
-- as the first one left it, so the second worker continues after the first one's events. Under
-- REPEATABLE READ or SERIALIZABLE it fails with 40001 instead; retry the transaction.
--
-- The read horizon is taken before the UPDATE, so never from a later snapshot than the ones that
-- read below it; below the horizon the log is final, so the range the UPDATE claimed and the range
-- the next statement returns hold the same events. Plans are generic
-- (plan_cache_mode): the custom plans PostgreSQL would otherwise keep choosing cost more to make
-- than to run.

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
  v_caller name := coalesce(NULLIF(pg_catalog.current_setting('role'), 'none'), session_user);
  v_checked boolean := false;
  v_owner_role name;
  v_horizon bigint;
  v_relaxed text;
  v_cursor_tx_order bigint;
  v_cursor_etag bigint;
  v_etag_floor bigint;
  v_archived boolean;
  v_from_tx_order bigint;
  v_from_etag bigint;
  v_to_tx_order bigint;
  v_to_etag bigint;
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

  -- NULL is neither a client nor an etag; say so in terms of the argument the caller passed.
  IF get_event.client IS NULL THEN
    RAISE EXCEPTION 'client must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass a client name, or an etag as a number to read by position: get_event(0::bigint) is the beginning.';
  END IF;
  -- An etag given as text (get_event('1005'), a driver's untyped $1) reads by position, as
  -- before clients existed (no client can have such a name: _check_client_name). Decided before
  -- anything writes, so that such reads also work where nothing may be written: on a hot standby.
  IF get_event.members = 1
     AND get_event.client ~ '^[[:space:]]*[-+]?[0-9]+[[:space:]]*$' THEN
    IF get_event.client::numeric NOT BETWEEN -9223372036854775808 AND 9223372036854775807 THEN
      RAISE EXCEPTION 'after_etag % is out of range: etags lie between 0 and 9223372036854775807', eventlog._display(get_event.client)
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Pass an etag the log returned, or 0 for the beginning; a client name must not read as a number.';
    END IF;
    RETURN QUERY SELECT * FROM eventlog.get_event(get_event.client::bigint, get_event.max_rows);
    RETURN;
  END IF;

  -- In mode auto, a statement that is not its transaction's first needs no call:
  -- _relax_cursor_commit would change nothing.
  IF coalesce(pg_catalog.current_setting('eventlog.synchronous_cursors', true), '') <> 'auto'
     OR pg_catalog.statement_timestamp() = pg_catalog.transaction_timestamp() THEN
    v_relaxed := eventlog._relax_cursor_commit();
  END IF;
  FOR v_attempt IN 1..3 LOOP
    v_horizon := coalesce(eventlog._read_horizon(), 9223372036854775807);
    -- Where the cursor stands, with the etag floor of that position (the statement of
    -- _etag_floor, inlined: closed etag ranges below it hold only earlier events, so runtime
    -- pruning leaves their partitions out) and whether an archived range holds an event at or
    -- after it (archived ranges are closed, so one can only lie at or above the floor).
    SELECT c.tx_order, c.etag, c.owner_role,
           COALESCE(f.etag, 0),
           EXISTS (SELECT FROM eventlog.archived_ranges AS a
                   WHERE a.from_etag >= COALESCE(f.etag, 0) AND a.max_tx_order >= c.tx_order
                   AND (a.max_tx_order > c.tx_order OR c.etag < a.to_etag))
    INTO v_cursor_tx_order, v_cursor_etag, v_owner_role, v_etag_floor, v_archived
    FROM eventlog.client_cursors AS c
    LEFT JOIN LATERAL (
      (SELECT r.from_etag AS etag FROM eventlog.partition_ranges AS r
       WHERE r.max_tx_order_so_far IS NOT NULL AND r.max_tx_order_so_far >= c.tx_order
       ORDER BY r.max_tx_order_so_far, r.from_etag LIMIT 1)
      UNION ALL
      (SELECT r.to_etag FROM eventlog.partition_ranges AS r
       WHERE r.max_tx_order_so_far IS NOT NULL
       ORDER BY r.max_tx_order_so_far DESC, r.from_etag DESC LIMIT 1)
      LIMIT 1) AS f ON true
    WHERE c.client = get_event.client
      AND c.members = get_event.members
      AND c.member = get_event.member;
    IF NOT FOUND THEN
      -- First use of the client (or of this group size): create it, then read.
      PERFORM eventlog._open_client(get_event.client, get_event.member, get_event.members);
      v_checked := true;
      CONTINUE;
    END IF;
    IF v_owner_role <> v_caller AND NOT v_checked THEN
      PERFORM eventlog._check_client_access(get_event.client, v_owner_role);
      v_checked := true;
    END IF;
    -- A cursor before an archived event: EL051 naming the client, or with eventlog.skip_archived
    -- on a NOTICE, and the read goes on with what the log holds (docs/partitions.md).
    IF v_archived THEN
      PERFORM eventlog._check_client_archived(get_event.client, v_cursor_tx_order, v_cursor_etag);
    END IF;

    -- Move the cursor to the end of the batch: the max_rows-th event after it, or else the last
    -- one there is (the second branch runs only when the first finds nothing). Keep the old
    -- position; nothing is updated when there is nothing to read.
    --
    -- "Is there anything to read" is a scalar subquery, not EXISTS: PostgreSQL turns a correlated
    -- EXISTS into a semi join with events, and when this UPDATE has waited for another worker's
    -- move of the cursor, its recheck of the new cursor row reuses the event row the join had
    -- found (now at or behind the new position), so the UPDATE matched nothing and the worker got
    -- an empty batch. A scalar subquery stays a subplan, which the recheck runs again from the
    -- new position. Its ORDER BY keeps it one index probe at the cursor, like the join's (without
    -- it the generic plan may pick a sequential scan under the LIMIT).
    --
    -- The floor was taken for the position read above. It holds for any later position (the
    -- floor only grows with the position), so it holds after a recheck against another worker's
    -- move; a cursor moved back meanwhile (seek_client) fails the last condition, and the call
    -- returns an empty batch instead of reading from the wrong place.
    IF get_event.members = 1 THEN
      UPDATE eventlog.client_cursors AS c
      SET (tx_order, etag) = (
            SELECT batch_end.tx_order, batch_end.etag
            FROM (
              (SELECT e.tx_order, e.etag
               FROM eventlog.events AS e
               WHERE (e.tx_order, e.etag) > (c.tx_order, c.etag)
                 AND e.tx_order < v_horizon
                 AND e.etag >= v_etag_floor
               ORDER BY e.tx_order, e.etag
               OFFSET get_event.max_rows - 1
               LIMIT 1)
              UNION ALL
              (SELECT e.tx_order, e.etag
               FROM eventlog.events AS e
               WHERE (e.tx_order, e.etag) > (c.tx_order, c.etag)
                 AND e.tx_order < v_horizon
                 AND e.etag >= v_etag_floor
               ORDER BY e.tx_order DESC, e.etag DESC
               LIMIT 1)
              LIMIT 1
            ) AS batch_end
          ),
          previous_tx_order = c.tx_order,
          previous_etag = c.etag,
          moved_at = pg_catalog.now()
      WHERE c.client = get_event.client
        AND c.members = 1
        AND c.member = 0
        AND (c.owner_role = v_caller OR v_checked)
        AND (SELECT true FROM eventlog.events AS e
             WHERE (e.tx_order, e.etag) > (c.tx_order, c.etag)
               AND e.tx_order < v_horizon
               AND e.etag >= v_etag_floor
             ORDER BY e.tx_order, e.etag
             LIMIT 1)
        AND (c.tx_order, c.etag) >= (v_cursor_tx_order, v_cursor_etag)
      RETURNING c.previous_tx_order, c.previous_etag, c.tx_order, c.etag
      INTO v_from_tx_order, v_from_etag, v_to_tx_order, v_to_etag;
    ELSE
      UPDATE eventlog.client_cursors AS c
      SET (tx_order, etag) = (
            SELECT batch_end.tx_order, batch_end.etag
            FROM (
              (SELECT e.tx_order, e.etag
               FROM eventlog.events AS e
               WHERE (e.tx_order, e.etag) > (c.tx_order, c.etag)
                 AND e.tx_order < v_horizon
                 AND e.etag >= v_etag_floor
                 AND CASE WHEN e.stream IS NULL THEN 0
                          ELSE pg_catalog.abs(pg_catalog.hashtextextended(e.stream, 0) % get_event.members) END = get_event.member
               ORDER BY e.tx_order, e.etag
               OFFSET get_event.max_rows - 1
               LIMIT 1)
              UNION ALL
              (SELECT e.tx_order, e.etag
               FROM eventlog.events AS e
               WHERE (e.tx_order, e.etag) > (c.tx_order, c.etag)
                 AND e.tx_order < v_horizon
                 AND e.etag >= v_etag_floor
                 AND CASE WHEN e.stream IS NULL THEN 0
                          ELSE pg_catalog.abs(pg_catalog.hashtextextended(e.stream, 0) % get_event.members) END = get_event.member
               ORDER BY e.tx_order DESC, e.etag DESC
               LIMIT 1)
              LIMIT 1
            ) AS batch_end
          ),
          previous_tx_order = c.tx_order,
          previous_etag = c.etag,
          moved_at = pg_catalog.now()
      WHERE c.client = get_event.client
        AND c.members = get_event.members
        AND c.member = get_event.member
        AND (c.owner_role = v_caller OR v_checked)
        AND (SELECT true FROM eventlog.events AS e
             WHERE (e.tx_order, e.etag) > (c.tx_order, c.etag)
               AND e.tx_order < v_horizon
               AND e.etag >= v_etag_floor
               AND CASE WHEN e.stream IS NULL THEN 0
                        ELSE pg_catalog.abs(pg_catalog.hashtextextended(e.stream, 0) % get_event.members) END = get_event.member
             ORDER BY e.tx_order, e.etag
             LIMIT 1)
        AND (c.tx_order, c.etag) >= (v_cursor_tx_order, v_cursor_etag)
      RETURNING c.previous_tx_order, c.previous_etag, c.tx_order, c.etag
      INTO v_from_tx_order, v_from_etag, v_to_tx_order, v_to_etag;
    END IF;

    IF FOUND THEN
      -- The batch: the range just claimed. Below the horizon the log is final, so this is exactly
      -- what the UPDATE counted.
      RETURN QUERY
        SELECT e.*
        FROM eventlog.events AS e
        WHERE (e.tx_order, e.etag) > (v_from_tx_order, v_from_etag)
          AND (e.tx_order, e.etag) <= (v_to_tx_order, v_to_etag)
          AND e.etag >= v_etag_floor
          AND (get_event.members = 1
               OR CASE WHEN e.stream IS NULL THEN 0
                       ELSE pg_catalog.abs(pg_catalog.hashtextextended(e.stream, 0) % get_event.members) END = get_event.member)
        ORDER BY e.tx_order, e.etag
        LIMIT get_event.max_rows;
      RETURN;
    END IF;
    -- Nothing to read (or the cursor was moved back or dropped meanwhile: the next call reads
    -- from where it stands then).
    EXIT;
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
