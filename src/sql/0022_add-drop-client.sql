-- drop_client(client) removes a client with all its cursors; drop_client(client, members) removes
-- the cursors of one group size only, e.g. those an old size left behind after a resize (the
-- clients view shows them as superseded). A worker that reads the client afterwards creates it
-- again: at the beginning, or for a group size, where the remaining sizes allow (docs/cursors.md).
CREATE FUNCTION eventlog.drop_client(client text)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM eventlog._check_client_managed(drop_client.client);
  DELETE FROM eventlog.client_cursors AS c WHERE c.client = drop_client.client;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.drop_client(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.drop_client(text) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.drop_client(text) IS
  'Removes the client and all its cursors.';

CREATE FUNCTION eventlog.drop_client(client text, members integer)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM eventlog._check_group(0, drop_client.members);
  PERFORM eventlog._check_client_managed(drop_client.client);
  DELETE FROM eventlog.client_cursors AS c
  WHERE c.client = drop_client.client
    AND c.members = drop_client.members;
  IF NOT FOUND THEN
    PERFORM eventlog._raise_unknown_client(drop_client.client, drop_client.members);
  END IF;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.drop_client(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.drop_client(text, integer) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.drop_client(text, integer) IS
  'Removes the cursors of one group size (members) of the client, e.g. those left behind by a resize.';
