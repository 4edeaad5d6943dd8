-- First use of a client, or of a new group shape (members) of an existing client: creates the rows
-- of every member of that shape at once and returns the caller's row.
--
-- Where a new shape starts: at the beginning of the log for a new client. Otherwise at the
-- slowest member of the existing shape that is furthest along. Every event up to a shape's
-- slowest member has been delivered to some member of that shape (each member got the events of
-- its streams up to its own position, and each shape started at such a point itself), so no event
-- is lost by starting there; events between that point and a faster member's position are
-- delivered again (at-least-once across a resize). All members of a shape are created together,
-- so a shape is always complete. See docs/cursors.md, Consumer groups.
CREATE FUNCTION eventlog._open_client(client text, member integer, members integer)
RETURNS eventlog.client_cursors
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_owner_role name;
  v_tx_order bigint := -1;
  v_etag bigint := 0;
  v_cursor eventlog.client_cursors;
BEGIN
  PERFORM eventlog._check_client_name(_open_client.client);
  PERFORM eventlog._check_group(_open_client.member, _open_client.members);

  -- One creator per client name at a time, so that a client never gets two owners and a new
  -- shape sees every shape created before it. Held to the end of the caller's transaction.
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('eventlog.client_cursors ' || _open_client.client, 0));

  SELECT c.owner_role INTO v_owner_role
  FROM eventlog.client_cursors AS c
  WHERE c.client = _open_client.client
  LIMIT 1;
  IF FOUND THEN
    PERFORM eventlog._check_client_access(_open_client.client, v_owner_role);
    SELECT s.tx_order, s.etag INTO v_tx_order, v_etag
    FROM (
      SELECT DISTINCT ON (c.members) c.tx_order, c.etag
      FROM eventlog.client_cursors AS c
      WHERE c.client = _open_client.client
      ORDER BY c.members, c.tx_order, c.etag
    ) AS s
    ORDER BY s.tx_order DESC, s.etag DESC
    LIMIT 1;
  ELSE
    v_owner_role := eventlog._client_caller();
  END IF;

  INSERT INTO eventlog.client_cursors (client, members, member, tx_order, etag, owner_role)
  SELECT _open_client.client, _open_client.members, m.member, v_tx_order, v_etag, v_owner_role
  FROM pg_catalog.generate_series(0, _open_client.members - 1) AS m (member)
  ON CONFLICT ON CONSTRAINT client_cursors_pkey DO NOTHING;

  SELECT c.* INTO STRICT v_cursor
  FROM eventlog.client_cursors AS c
  WHERE c.client = _open_client.client
    AND c.members = _open_client.members
    AND c.member = _open_client.member;
  RETURN v_cursor;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._open_client(text, integer, integer) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._open_client(text, integer, integer) IS
  'Creates a client, or a new group shape of one, with all its members; returns the caller''s cursor row.';
