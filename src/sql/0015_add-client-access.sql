-- Who may use a client. The client functions are SECURITY DEFINER (callers cannot write
-- client_cursors), so inside them current_user is the table owner. The caller is the role the
-- session acts as: the SET ROLE role if any (the role setting is not changed by SECURITY DEFINER,
-- and SET ROLE itself checks membership), else the login role. See docs/cursors.md, Ownership.
CREATE FUNCTION eventlog._client_caller()
RETURNS name
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(NULLIF(pg_catalog.current_setting('role'), 'none'), session_user)::name;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._client_caller() FROM PUBLIC;

COMMENT ON FUNCTION eventlog._client_caller() IS
  'The role the session acts as (SET ROLE, else the login role), which owns the clients it creates.';

-- The caller may use a client if it is the owner, a member of the owner role, or a member of
-- eventlog_admin. A dropped owner role leaves the client to eventlog_admin.
CREATE FUNCTION eventlog._check_client_access(client text, owner_role name)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_caller name := eventlog._client_caller();
BEGIN
  IF v_caller = _check_client_access.owner_role
     OR pg_catalog.pg_has_role(v_caller, 'eventlog_admin', 'MEMBER')
     OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles AS r
                WHERE r.rolname = _check_client_access.owner_role
                  AND pg_catalog.pg_has_role(v_caller, r.oid, 'MEMBER')) THEN
    RETURN;
  END IF;
  RAISE EXCEPTION 'client % belongs to role %, not to %', eventlog._display(_check_client_access.client),
      pg_catalog.quote_ident(_check_client_access.owner_role), pg_catalog.quote_ident(v_caller)
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'To share it, grant the owning role: GRANT ' || pg_catalog.quote_ident(_check_client_access.owner_role)
                 || ' TO ' || pg_catalog.quote_ident(v_caller)
                 || '; or use a client name of your own. Members of eventlog_admin may use every client.';
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._check_client_access(text, name) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._check_client_access(text, name) IS
  'Raises unless the caller is owner_role, a member of it, or a member of eventlog_admin.';

-- For seek_client and drop_client: raises unless client names an existing client the caller may
-- use. Takes no lock.
CREATE FUNCTION eventlog._check_client_managed(client text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_owner_role name;
BEGIN
  SELECT c.owner_role INTO v_owner_role
  FROM eventlog.client_cursors AS c
  WHERE c.client = _check_client_managed.client
  LIMIT 1;
  IF NOT FOUND THEN
    PERFORM eventlog._check_client_name(_check_client_managed.client);
    PERFORM eventlog._raise_unknown_client(_check_client_managed.client, NULL);
  END IF;
  PERFORM eventlog._check_client_access(_check_client_managed.client, v_owner_role);
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._check_client_managed(text) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._check_client_managed(text) IS
  'Raises unless client exists and the caller may use it.';
