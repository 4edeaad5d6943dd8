-- The state of every client the caller may use: client_status(client_name) for one client (or all,
-- with NULL), and the view clients over all of them. The view reads through this SECURITY DEFINER
-- function because a view runs the functions it calls with its caller's rights, and the read
-- horizon is an internal function. A reader sees the clients of roles it is a member of; members
-- of eventlog_admin see all.
--
-- lag_events is counted on a budget, so that the view stays cheap on a big log: 100000 log events
-- in all, shared among the cursors listed, and at least 100 per cursor (_lag_budget). Each cursor
-- reads at most its share of the log after it (for a group member, it counts its own share among
-- those); lag_capped is true when the read stopped at that limit, and lag_events then means "at
-- least". docs/cursors.md, The clients view. It includes committed events that are held back;
-- held_back_by_pid and held_back_for name the oldest transaction that holds them (see
-- delivery_blockers()) when the next event this cursor would read is held back. Events of
-- archived ranges (detach_partitions) are not in the log and not counted; archived_from_etag
-- names the first archived range that holds events after the cursor (the client's next read is
-- refused with EL051 unless eventlog.skip_archived is on).

-- How many log events each of `cursors` cursors may read to count its lag: 100000 in all, at
-- least 100 each.
CREATE FUNCTION eventlog._lag_budget(cursors bigint)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT GREATEST(100, 100000 / GREATEST(_lag_budget.cursors, 1));
$$;

REVOKE EXECUTE ON FUNCTION eventlog._lag_budget(bigint) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._lag_budget(bigint) IS
  'Internal: log events each of that many cursors may read to count its lag (100000 shared, at least 100 each).';

CREATE FUNCTION eventlog.client_status(client_name text DEFAULT NULL)
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
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_caller name := eventlog._client_caller();
  v_admin boolean := pg_catalog.pg_has_role(eventlog._client_caller(), 'eventlog_admin', 'MEMBER');
  v_horizon bigint := coalesce(eventlog._read_horizon(), 9223372036854775807);
  v_budget bigint;
BEGIN
  -- The budget is shared among the cursors listed (counted under the same filter, by the index).
  SELECT eventlog._lag_budget(pg_catalog.count(*)) INTO v_budget
  FROM eventlog.client_cursors AS c
  WHERE (client_status.client_name IS NULL OR c.client = client_status.client_name)
    AND (v_admin
         OR c.owner_role = v_caller
         OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles AS r
                    WHERE r.rolname = c.owner_role
                      AND pg_catalog.pg_has_role(v_caller, r.oid, 'MEMBER')));
  RETURN QUERY
    WITH visible AS (
      SELECT c.*,
        c.created_at < pg_catalog.max(c.created_at) OVER (PARTITION BY c.client) AS old_shape
      FROM eventlog.client_cursors AS c
      WHERE (client_status.client_name IS NULL OR c.client = client_status.client_name)
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
    SELECT v.client, v.member, v.members, v.owner_role, v.etag,
      pending.events,
      pending.scanned >= v_budget,
      coalesce(pg_catalog.now() - pending.oldest, interval '0'),
      coalesce(v.moved_at, v.created_at),
      v.created_at,
      v.old_shape,
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
          v.members = 1
            OR CASE WHEN e.stream IS NULL THEN 0
                    ELSE pg_catalog.abs(pg_catalog.hashtextextended(e.stream, 0) % v.members) END = v.member AS mine
        FROM eventlog.events AS e
        WHERE (e.tx_order, e.etag) > (v.tx_order, v.etag)
        ORDER BY e.tx_order, e.etag
        LIMIT v_budget
      ) AS p
    ) AS pending
    ORDER BY v.client, v.members, v.member;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.client_status(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.client_status(text) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.client_status(text) IS
  'Cursor, lag and delivery state of one client (client_name) or, with NULL, every client the caller may use.';

CREATE VIEW eventlog.clients AS
  SELECT s.* FROM eventlog.client_status() AS s;

GRANT SELECT ON eventlog.clients TO eventlog_reader, eventlog_admin;

COMMENT ON VIEW eventlog.clients IS
  'Every client the caller may use: one row per cursor, with its lag and what holds its delivery back.';
COMMENT ON COLUMN eventlog.clients.client IS
  'Client name.';
COMMENT ON COLUMN eventlog.clients.member IS
  'Member number within the consumer group; 0 for a plain client.';
COMMENT ON COLUMN eventlog.clients.members IS
  'Size of the consumer group; 1 for a plain client.';
COMMENT ON COLUMN eventlog.clients.owner_role IS
  'Role the client belongs to.';
COMMENT ON COLUMN eventlog.clients.etag IS
  'The cursor: etag of the last event delivered (0: the beginning).';
COMMENT ON COLUMN eventlog.clients.lag_events IS
  'Committed events after the cursor for this member, counted over at most the cursor''s share of a 100000-event budget (at least 100); see lag_capped.';
COMMENT ON COLUMN eventlog.clients.lag_capped IS
  'True when the count stopped at the budget: there are at least lag_events events behind (lag_time is then the age of the oldest counted one).';
COMMENT ON COLUMN eventlog.clients.lag_time IS
  'Age of the oldest of those events; 0 when the cursor is caught up.';
COMMENT ON COLUMN eventlog.clients.last_activity IS
  'When the cursor last moved, or was created.';
COMMENT ON COLUMN eventlog.clients.created_at IS
  'When this cursor (the client, or this group size of it) was created.';
COMMENT ON COLUMN eventlog.clients.superseded IS
  'True for the cursors of a group size older than the client''s newest; drop them with drop_client(client, members).';
COMMENT ON COLUMN eventlog.clients.held_back_by_pid IS
  'When the next event for this cursor is held back: pid of the oldest open transaction holding it (NULL for a prepared transaction); see delivery_blockers().';
COMMENT ON COLUMN eventlog.clients.held_back_for IS
  'When the next event for this cursor is held back: how long the oldest transaction holding it has been open.';
COMMENT ON COLUMN eventlog.clients.archived_from_etag IS
  'When an archived range holds events after the cursor (the next read is refused with EL051 unless eventlog.skip_archived is on): its first etag; NULL otherwise.';
