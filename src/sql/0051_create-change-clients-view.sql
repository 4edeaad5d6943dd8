-- The state of every change client (get_changes/peek_changes/ack_changes/seek_changes, table
-- change_cursors) the caller may use: change_client_status(table_name, client_name) for the clients of
-- one table and/or one name (NULL: all), and the view change_clients over all of them. A sibling
-- of the clients view (0023) rather than more rows in it: a change client is keyed by (client,
-- table), not by (client, members, member), and the same name may be a log client and a change
-- client of several tables; group columns would be empty and the key ambiguous (docs/capture.md,
-- Managing change clients). Visibility is the clients view's rule: the caller's own clients and
-- those of roles it is a member of; members of eventlog_admin see all.
--
-- The lag is counted on the clients view's budget (_lag_budget: 100000 log events shared among the
-- cursors listed, at least 100 each). A change client's cursor reads the log after it and counts
-- the table's changes among those events, so a quiet table in a busy log costs its budget, never
-- more; lag_capped says the read stopped there and lag_events means "at least". A client of a table
-- that is no longer tracked (untrack_table, or dropped) shows tracked = false and no lag: it cannot
-- read any more, and drop_change_client removes it.
CREATE FUNCTION eventlog.change_client_status(table_name regclass DEFAULT NULL, client_name text DEFAULT NULL)
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
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_caller name := eventlog._client_caller();
  v_admin boolean := pg_catalog.pg_has_role(eventlog._client_caller(), 'eventlog_admin', 'MEMBER');
  v_horizon bigint := coalesce(eventlog._read_horizon(), 9223372036854775807);
  v_budget bigint;
BEGIN
  SELECT eventlog._lag_budget(pg_catalog.count(*)) INTO v_budget
  FROM eventlog.change_cursors AS c
  WHERE (change_client_status.table_name IS NULL OR c.tbl = change_client_status.table_name)
    AND (change_client_status.client_name IS NULL OR c.client = change_client_status.client_name)
    AND (v_admin
         OR c.owner_role = v_caller
         OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles AS r
                    WHERE r.rolname = c.owner_role
                      AND pg_catalog.pg_has_role(v_caller, r.oid, 'MEMBER')));
  RETURN QUERY
    WITH visible AS (
      SELECT c.*, t.stream_prefix
      FROM eventlog.change_cursors AS c
      LEFT JOIN eventlog.tracked_tables AS t ON t.tbl = c.tbl
      WHERE (change_client_status.table_name IS NULL OR c.tbl = change_client_status.table_name)
        AND (change_client_status.client_name IS NULL OR c.client = change_client_status.client_name)
        AND (v_admin
             OR c.owner_role = v_caller
             OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles AS r
                        WHERE r.rolname = c.owner_role
                          AND pg_catalog.pg_has_role(v_caller, r.oid, 'MEMBER')))
    ),
    oldest_blocker AS MATERIALIZED (
      SELECT b.pid, b.xact_age
      FROM eventlog.delivery_blockers() AS b
      LIMIT 1
    )
    SELECT v.client, v.tbl, v.owner_role, v.stream_prefix IS NOT NULL, v.etag,
      CASE WHEN v.stream_prefix IS NOT NULL THEN pending.events END,
      CASE WHEN v.stream_prefix IS NOT NULL THEN pending.scanned >= v_budget END,
      CASE WHEN v.stream_prefix IS NOT NULL THEN coalesce(pg_catalog.now() - pending.oldest, interval '0') END,
      coalesce(v.moved_at, v.created_at),
      v.created_at,
      CASE WHEN pending.next_tx_order >= v_horizon THEN (SELECT o.pid FROM oldest_blocker AS o) END,
      CASE WHEN pending.next_tx_order >= v_horizon THEN (SELECT o.xact_age FROM oldest_blocker AS o) END,
      (eventlog._archived_after(v.tx_order, v.etag)).from_etag
    FROM visible AS v
    CROSS JOIN LATERAL (
      SELECT pg_catalog.count(*) FILTER (WHERE p.mine) AS events,
        pg_catalog.count(*) AS scanned,
        pg_catalog.min(p.ctime) FILTER (WHERE p.mine) AS oldest,
        pg_catalog.min(p.tx_order) FILTER (WHERE p.mine) AS next_tx_order
      FROM (
        SELECT e.ctime, e.tx_order,
          pg_catalog.starts_with(e.stream, v.stream_prefix) AND e.event_type IN ('insert', 'update', 'delete') AS mine
        FROM eventlog.events AS e
        WHERE (e.tx_order, e.etag) > (v.tx_order, v.etag)
          AND v.stream_prefix IS NOT NULL
        ORDER BY e.tx_order, e.etag
        LIMIT v_budget
      ) AS p
    ) AS pending
    ORDER BY v.client, v.tbl::oid;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.change_client_status(regclass, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.change_client_status(regclass, text) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.change_client_status(regclass, text) IS
  'Cursor, lag and delivery state of the change clients of one table and/or one name (NULL: all) the caller may use.';

CREATE VIEW eventlog.change_clients AS
  SELECT s.* FROM eventlog.change_client_status() AS s;

GRANT SELECT ON eventlog.change_clients TO eventlog_reader, eventlog_admin;

COMMENT ON VIEW eventlog.change_clients IS
  'Every change client (a named client of one tracked table) the caller may use, with its lag and what holds its delivery back.';
COMMENT ON COLUMN eventlog.change_clients.client IS
  'Client name.';
COMMENT ON COLUMN eventlog.change_clients.tbl IS
  'The table the client follows.';
COMMENT ON COLUMN eventlog.change_clients.owner_role IS
  'Role the client belongs to.';
COMMENT ON COLUMN eventlog.change_clients.tracked IS
  'Whether the table is still tracked; a client of an untracked table cannot read (EL042) and can be dropped with drop_change_client.';
COMMENT ON COLUMN eventlog.change_clients.etag IS
  'The cursor: etag of the last change delivered (0: the beginning).';
COMMENT ON COLUMN eventlog.change_clients.lag_events IS
  'Committed changes of the table after the cursor, counted among at most the cursor''s share of a 100000-event budget of the log (at least 100); see lag_capped. NULL when the table is not tracked.';
COMMENT ON COLUMN eventlog.change_clients.lag_capped IS
  'True when the count stopped at the budget: there are at least lag_events changes behind.';
COMMENT ON COLUMN eventlog.change_clients.lag_time IS
  'Age of the oldest of those changes; 0 when the cursor is caught up.';
COMMENT ON COLUMN eventlog.change_clients.last_activity IS
  'When the cursor last moved (get_changes, ack_changes, seek_changes), or was created.';
COMMENT ON COLUMN eventlog.change_clients.created_at IS
  'When the client was created.';
COMMENT ON COLUMN eventlog.change_clients.held_back_by_pid IS
  'When the next change for this client is held back: pid of the oldest open transaction holding it (NULL for a prepared transaction); see delivery_blockers().';
COMMENT ON COLUMN eventlog.change_clients.held_back_for IS
  'When the next change for this client is held back: how long the oldest transaction holding it has been open.';
COMMENT ON COLUMN eventlog.change_clients.archived_from_etag IS
  'When an archived range holds events after the cursor (the next read is refused with EL051 unless eventlog.skip_archived is on): its first etag; NULL otherwise.';
