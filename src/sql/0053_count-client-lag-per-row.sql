-- The clients (0023) and change_clients (0051) views count lag only for the rows a query returns.
-- Both views were SELECT * FROM a set-returning function, which cannot see the query's WHERE: a
-- query for one client (SELECT * FROM eventlog.clients WHERE client = 'x') counted the lag of every
-- cursor, reading up to the whole 100,000-event budget of the log, and then kept one row. Now each
-- view joins the cursor rows (no log read) to a per-row lag function, LATERAL: the query's
-- conditions on the cursor columns filter the rows before the lag is counted.
--
-- The budget semantics stay: _lag_budget(n) shares 100,000 log events among the n cursors listed,
-- at least 100 each. For the views, the cursors listed are every cursor the caller may see (as
-- before: the budget never depended on a WHERE, which the functions could not see), so a filtered
-- query counts each of its rows exactly as the unfiltered view would. client_status(client_name)
-- and change_client_status(table_name, client_name) share the budget among the cursors of their
-- arguments, as before. The lag query of 0023, repeated in 0051, is one helper now (_cursor_lag):
-- the log clients' test (their group member's share) or a table's (its stream prefix and the three
-- change types) is its only difference. docs/cursors.md, The clients view.

-- The cursors of the log's named clients that the caller may use (its own, those of roles it is a
-- member of; members of eventlog_admin see all), optionally of one name, in the clients view's
-- order, with each cursor's share of the lag budget among the rows returned. Reads no event.
CREATE FUNCTION eventlog._client_cursor_rows(client_name text)
RETURNS TABLE (
  client text,
  member integer,
  members integer,
  owner_role name,
  etag bigint,
  tx_order bigint,
  last_activity timestamptz,
  created_at timestamptz,
  superseded boolean,
  budget bigint
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  WITH visible AS (
    SELECT c.*,
      c.created_at < pg_catalog.max(c.created_at) OVER (PARTITION BY c.client) AS old_shape
    FROM eventlog.client_cursors AS c
    WHERE (_client_cursor_rows.client_name IS NULL OR c.client = _client_cursor_rows.client_name)
      AND (pg_catalog.pg_has_role(eventlog._client_caller(), 'eventlog_admin', 'MEMBER')
           OR c.owner_role = eventlog._client_caller()
           OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles AS r
                      WHERE r.rolname = c.owner_role
                        AND pg_catalog.pg_has_role(eventlog._client_caller(), r.oid, 'MEMBER')))
  )
  SELECT v.client, v.member, v.members, v.owner_role, v.etag, v.tx_order,
    coalesce(v.moved_at, v.created_at), v.created_at, v.old_shape,
    eventlog._lag_budget(pg_catalog.count(*) OVER ())
  FROM visible AS v
  ORDER BY v.client, v.members, v.member;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._client_cursor_rows(text) FROM PUBLIC;
-- The clients view calls it with the caller's rights.
GRANT EXECUTE ON FUNCTION eventlog._client_cursor_rows(text) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog._client_cursor_rows(text) IS
  'Internal: the client cursors the caller may use (of one name, or all with NULL), with each one''s share of the lag budget.';

-- The same for change clients (change_cursors), of one table and/or one name (NULL: all), with
-- the table's stream prefix (NULL when it is no longer tracked).
CREATE FUNCTION eventlog._change_cursor_rows(table_name regclass, client_name text)
RETURNS TABLE (
  client text,
  tbl regclass,
  owner_role name,
  stream_prefix text,
  etag bigint,
  tx_order bigint,
  last_activity timestamptz,
  created_at timestamptz,
  budget bigint
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT c.client, c.tbl, c.owner_role, t.stream_prefix, c.etag, c.tx_order,
    coalesce(c.moved_at, c.created_at), c.created_at,
    eventlog._lag_budget(pg_catalog.count(*) OVER ())
  FROM eventlog.change_cursors AS c
  LEFT JOIN eventlog.tracked_tables AS t ON t.tbl = c.tbl
  WHERE (_change_cursor_rows.table_name IS NULL OR c.tbl = _change_cursor_rows.table_name)
    AND (_change_cursor_rows.client_name IS NULL OR c.client = _change_cursor_rows.client_name)
    AND (pg_catalog.pg_has_role(eventlog._client_caller(), 'eventlog_admin', 'MEMBER')
         OR c.owner_role = eventlog._client_caller()
         OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles AS r
                    WHERE r.rolname = c.owner_role
                      AND pg_catalog.pg_has_role(eventlog._client_caller(), r.oid, 'MEMBER')))
  ORDER BY c.client, c.tbl::oid;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._change_cursor_rows(regclass, text) FROM PUBLIC;
-- The change_clients view calls it with the caller's rights.
GRANT EXECUTE ON FUNCTION eventlog._change_cursor_rows(regclass, text) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog._change_cursor_rows(regclass, text) IS
  'Internal: the change client cursors the caller may use (of one table and/or one name, NULL: all), with each one''s share of the lag budget.';

-- One cursor's lag, counted over at most `budget` log events after its position
-- (after_tx_order, after_etag): the events that are its own among them (a log client's: its group
-- member's share; a change client's, when stream_prefix is given: the table's changes), whether
-- the count stopped at the budget, the age of the oldest own event, the oldest open transaction
-- holding the next own event back (delivery_blockers(), looked up only then), and the first
-- archived range after the position. The shared body of both views' lag (0023, 0051).
-- eventlog_reader can call it directly (the views call it with the caller's rights), so any
-- arguments are answered, never refused: a budget below zero counts no event, members below 2
-- count every event as the cursor's own (a single client).
CREATE FUNCTION eventlog._cursor_lag(
  after_tx_order bigint,
  after_etag bigint,
  budget bigint,
  member integer,
  members integer,
  stream_prefix text
)
RETURNS TABLE (
  lag_events bigint,
  lag_capped boolean,
  lag_time interval,
  held_back_by_pid integer,
  held_back_for interval,
  archived_from_etag bigint
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pending.events,
    pending.scanned >= _cursor_lag.budget,
    coalesce(pg_catalog.now() - pending.oldest, interval '0'),
    blocker.pid,
    blocker.xact_age,
    (eventlog._archived_after(_cursor_lag.after_tx_order, _cursor_lag.after_etag)).from_etag
  FROM (
    SELECT pg_catalog.count(*) FILTER (WHERE p.mine) AS events,
      pg_catalog.count(*) AS scanned,
      pg_catalog.min(p.ctime) FILTER (WHERE p.mine) AS oldest,
      pg_catalog.min(p.tx_order) FILTER (WHERE p.mine) AS next_tx_order
    FROM (
      SELECT e.ctime, e.tx_order,
        CASE WHEN _cursor_lag.stream_prefix IS NOT NULL
             THEN pg_catalog.starts_with(e.stream, _cursor_lag.stream_prefix) AND e.event_type IN ('insert', 'update', 'delete')
             WHEN _cursor_lag.members <= 1 THEN true
             ELSE CASE WHEN e.stream IS NULL THEN 0
                       ELSE pg_catalog.abs(pg_catalog.hashtextextended(e.stream, 0) % _cursor_lag.members) END = _cursor_lag.member
        END AS mine
      FROM eventlog.events AS e
      WHERE (e.tx_order, e.etag) > (_cursor_lag.after_tx_order, _cursor_lag.after_etag)
      ORDER BY e.tx_order, e.etag
      LIMIT GREATEST(_cursor_lag.budget, 0)
    ) AS p
  ) AS pending
  LEFT JOIN LATERAL (
    SELECT b.pid, b.xact_age
    FROM eventlog.delivery_blockers() AS b
    WHERE pending.next_tx_order >= coalesce(eventlog._read_horizon(), 9223372036854775807)
    LIMIT 1
  ) AS blocker ON true;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._cursor_lag(bigint, bigint, bigint, integer, integer, text) FROM PUBLIC;
-- The clients and change_clients views call it with the caller's rights; it counts and dates
-- events that eventlog_reader may read anyway.
GRANT EXECUTE ON FUNCTION eventlog._cursor_lag(bigint, bigint, bigint, integer, integer, text) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog._cursor_lag(bigint, bigint, bigint, integer, integer, text) IS
  'Internal: one cursor''s lag over at most budget log events after its position, what holds it back and the archived range ahead.';

CREATE OR REPLACE FUNCTION eventlog.client_status(client_name text DEFAULT NULL)
RETURNS TABLE (
  client text,
  member integer,
  members integer,
  owner_role name,
  etag bigint,
  lag_events bigint,
  lag_capped boolean,
  lag_time interval,
  last_activity timestamptz,
  created_at timestamptz,
  superseded boolean,
  held_back_by_pid integer,
  held_back_for interval,
  archived_from_etag bigint
)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT c.client, c.member, c.members, c.owner_role, c.etag,
    l.lag_events, l.lag_capped, l.lag_time, c.last_activity, c.created_at, c.superseded,
    l.held_back_by_pid, l.held_back_for, l.archived_from_etag
  FROM eventlog._client_cursor_rows(client_status.client_name) AS c
  CROSS JOIN LATERAL eventlog._cursor_lag(c.tx_order, c.etag, c.budget, c.member, c.members, NULL) AS l;
$$;

COMMENT ON FUNCTION eventlog.client_status(text) IS
  'Cursor, lag and delivery state of one client (client_name) or, with NULL, every client the caller may use.';

CREATE OR REPLACE VIEW eventlog.clients AS
  SELECT c.client, c.member, c.members, c.owner_role, c.etag,
    l.lag_events, l.lag_capped, l.lag_time, c.last_activity, c.created_at, c.superseded,
    l.held_back_by_pid, l.held_back_for, l.archived_from_etag
  FROM eventlog._client_cursor_rows(NULL) AS c
  CROSS JOIN LATERAL eventlog._cursor_lag(c.tx_order, c.etag, c.budget, c.member, c.members, NULL) AS l;

COMMENT ON VIEW eventlog.clients IS
  'Every client the caller may use: one row per cursor, with its lag and what holds its delivery back.';

CREATE OR REPLACE FUNCTION eventlog.change_client_status(table_name regclass DEFAULT NULL, client_name text DEFAULT NULL)
RETURNS TABLE (
  client text,
  tbl regclass,
  owner_role name,
  tracked boolean,
  etag bigint,
  lag_events bigint,
  lag_capped boolean,
  lag_time interval,
  last_activity timestamptz,
  created_at timestamptz,
  held_back_by_pid integer,
  held_back_for interval,
  archived_from_etag bigint
)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT c.client, c.tbl, c.owner_role, c.stream_prefix IS NOT NULL, c.etag,
    l.lag_events, l.lag_capped, l.lag_time, c.last_activity, c.created_at,
    l.held_back_by_pid, l.held_back_for, l.archived_from_etag
  FROM eventlog._change_cursor_rows(change_client_status.table_name, change_client_status.client_name) AS c
  -- A client of a table no longer tracked has no lag: nothing is read for it.
  LEFT JOIN LATERAL (
    SELECT * FROM eventlog._cursor_lag(c.tx_order, c.etag, c.budget, 0, 1, c.stream_prefix)
    WHERE c.stream_prefix IS NOT NULL
  ) AS l ON true;
$$;

COMMENT ON FUNCTION eventlog.change_client_status(regclass, text) IS
  'Cursor, lag and delivery state of the change clients of one table and/or one name (NULL: all) the caller may use.';

CREATE OR REPLACE VIEW eventlog.change_clients AS
  SELECT c.client, c.tbl, c.owner_role, c.stream_prefix IS NOT NULL AS tracked, c.etag,
    l.lag_events, l.lag_capped, l.lag_time, c.last_activity, c.created_at,
    l.held_back_by_pid, l.held_back_for, l.archived_from_etag
  FROM eventlog._change_cursor_rows(NULL, NULL) AS c
  LEFT JOIN LATERAL (
    SELECT * FROM eventlog._cursor_lag(c.tx_order, c.etag, c.budget, 0, 1, c.stream_prefix)
    WHERE c.stream_prefix IS NOT NULL
  ) AS l ON true;

COMMENT ON VIEW eventlog.change_clients IS
  'Every change client (a named client of one tracked table) the caller may use, with its lag and what holds its delivery back.';
