-- drop_change_client(tbl, client) removes a change client (a cursor of change_cursors), as
-- drop_client(client) does for a log client (0022). A function of its own rather than more work
-- for drop_client: change clients are kept per (client, table), and one name may be a log client
-- and a change client of several tables, so drop_client('mirror') removing them all would reach
-- further than its name says. The table need not be tracked any more: the clients of a table that
-- was untracked (or dropped) are exactly the ones left to clean up (change_clients shows them
-- with tracked = false). A worker that reads the client afterwards creates it again, at the
-- beginning. Same rights as drop_client: the owner, members of the owning role, eventlog_admin.
CREATE FUNCTION eventlog.drop_change_client(tbl regclass, client text)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_owner_role name;
BEGIN
  IF drop_change_client.tbl IS NULL THEN
    RAISE EXCEPTION 'tbl must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass the table the change client follows; eventlog.change_clients lists them.';
  END IF;
  IF drop_change_client.client IS NULL THEN
    RAISE EXCEPTION 'client must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass the name of the change client to drop.';
  END IF;
  SELECT c.owner_role INTO v_owner_role
  FROM eventlog.change_cursors AS c
  WHERE c.client = drop_change_client.client AND c.tbl = drop_change_client.tbl;
  IF NOT FOUND THEN
    PERFORM eventlog._check_client_name(drop_change_client.client);
    RAISE EXCEPTION 'change client % of table % does not exist', eventlog._display(drop_change_client.client), drop_change_client.tbl
      USING ERRCODE = 'undefined_object',
            HINT = 'eventlog.change_clients lists the change clients you may use; drop_client drops the clients of get_event.';
  END IF;
  PERFORM eventlog._check_client_access(drop_change_client.client, v_owner_role);
  DELETE FROM eventlog.change_cursors AS c
  WHERE c.client = drop_change_client.client AND c.tbl = drop_change_client.tbl;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.drop_change_client(regclass, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.drop_change_client(regclass, text) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.drop_change_client(regclass, text) IS
  'Removes the change client of a table (its cursor in change_cursors).';
