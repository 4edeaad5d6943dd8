-- set_client_owner(client, owner_role) hands a client (every group size of it) to another role,
-- e.g. when a service moves to a new login role, or to rescue a client whose owner role was
-- dropped. Like ALTER ... OWNER TO: the caller must be allowed to use the client and must be a
-- member of the new owner role (members of eventlog_admin may give any client to any role).
CREATE FUNCTION eventlog.set_client_owner(client text, owner_role name)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_caller name := eventlog._client_caller();
  v_role oid;
BEGIN
  PERFORM eventlog._check_client_managed(set_client_owner.client);
  IF set_client_owner.owner_role IS NULL THEN
    RAISE EXCEPTION 'owner_role must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Name the role that is to own the client.';
  END IF;
  SELECT r.oid INTO v_role FROM pg_catalog.pg_roles AS r WHERE r.rolname = set_client_owner.owner_role;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role % does not exist', eventlog._display(set_client_owner.owner_role)
      USING ERRCODE = 'undefined_object',
            HINT = 'Create the role first, and grant it eventlog_reader so that it can read the client.';
  END IF;
  IF NOT (pg_catalog.pg_has_role(v_caller, v_role, 'MEMBER')
          OR pg_catalog.pg_has_role(v_caller, 'eventlog_admin', 'MEMBER')) THEN
    RAISE EXCEPTION 'cannot give client % to role %: % is not a member of it',
        eventlog._display(set_client_owner.client), pg_catalog.quote_ident(set_client_owner.owner_role),
        pg_catalog.quote_ident(v_caller)
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Grant the new owner role to the caller first: GRANT ' || pg_catalog.quote_ident(set_client_owner.owner_role)
                   || ' TO ' || pg_catalog.quote_ident(v_caller) || '; or ask a member of eventlog_admin.';
  END IF;
  UPDATE eventlog.client_cursors AS c
  SET owner_role = set_client_owner.owner_role
  WHERE c.client = set_client_owner.client;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.set_client_owner(text, name) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.set_client_owner(text, name) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.set_client_owner(text, name) IS
  'Hands the client (every group size of it) to owner_role; the caller must be able to use the client and be a member of owner_role, or of eventlog_admin.';
