-- The state of every client the caller may use: client_status(client_name) for one client (or all,
-- with NULL), and the view clients over all of them. The view reads through this SECURITY DEFINER
-- function because a view runs the functions it calls with its caller's rights, and the read
-- horizon is an internal function. A reader sees the clients of roles it is a member of; members
-- of eventlog_admin see all.
--
-- lag_events counts over at most the next 1000000 events of the log after the cursor (for a group
-- member, those of its share among them), so it stops growing at 1000000. It includes committed
-- events that are held back; held_back_by_pid and held_back_for name the oldest transaction that
-- holds them (see delivery_blockers()) when the next event this cursor would read is held back.
-- Events of archived ranges (detach_partitions) are not in the log and not counted;
-- archived_from_etag names the first archived range that holds events after the cursor (the
-- client's next read is refused with EL051 unless eventlog.skip_archived is on).
CREATE FUNCTION eventlog.client_status(client_name text DEFAULT NULL)
RETURNS TABLE (
  client text,
  member integer,
  members integer,
  owner_role name,
  etag bigint,
  lag_events bigint,
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
BEGIN
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
      coalesce(pg_catalog.now() - pending.oldest, interval '0'),
      coalesce(v.moved_at, v.created_at),
      v.created_at,
      v.old_shape,
      CASE WHEN pending.next_tx_order >= v_horizon THEN (SELECT o.pid FROM oldest_blocker AS o) END,
      CASE WHEN pending.next_tx_order >= v_horizon THEN (SELECT o.xact_age FROM oldest_blocker AS o) END,
      (eventlog._archived_after(v.tx_order, v.etag)).from_etag
    FROM visible AS v
    CROSS JOIN LATERAL (
      SELECT count(*) AS events, pg_catalog.min(p.ctime) AS oldest, pg_catalog.min(p.tx_order) AS next_tx_order
      FROM (
        SELECT e.stream, e.ctime, e.tx_order
        FROM eventlog.events AS e
        WHERE (e.tx_order, e.etag) > (v.tx_order, v.etag)
        ORDER BY e.tx_order, e.etag
        LIMIT 1000000
      ) AS p
      WHERE v.members = 1
         OR CASE WHEN p.stream IS NULL THEN 0
                 ELSE pg_catalog.abs(pg_catalog.hashtextextended(p.stream, 0) % v.members) END = v.member
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
  'Committed events after the cursor for this member, counted over at most the next 1000000 events of the log.';
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
