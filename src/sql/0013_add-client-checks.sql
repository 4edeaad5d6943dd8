-- Argument checks shared by the client functions. They run on the paths that create or look up a
-- client by hand; the hot path of get_event tests the cheap conditions inline and calls these only
-- to raise the precise error.

-- A client name follows the common name rule, and must not read as a number: an untyped
-- get_event('1005') resolves to the client overload, which reads such names as etags, so a
-- client could never be called that way.
CREATE FUNCTION eventlog._check_client_name(client text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM eventlog._check_name('client', _check_client_name.client);
  IF _check_client_name.client ~ '^[[:space:]]*[-+]?[0-9]+[[:space:]]*$' THEN
    RAISE EXCEPTION 'client name % reads as an etag', eventlog._display(_check_client_name.client)
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'get_event(''1005'') reads after etag 1005; give clients names that are not numbers, e.g. ''billing-1''.';
  END IF;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._check_client_name(text) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._check_client_name(text) IS
  'Raises unless client is a valid name (1 to 200 characters, no control characters) that does not read as a number.';

CREATE FUNCTION eventlog._check_group(member integer, members integer)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF _check_group.members IS NULL THEN
    RAISE EXCEPTION 'members must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass the number of workers in the consumer group, or 1 for a plain client.';
  END IF;
  IF _check_group.members < 1 OR _check_group.members > 1024 THEN
    RAISE EXCEPTION 'members must be between 1 and 1024, got %', _check_group.members
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'A consumer group has 1 to 1024 members; 1 is a plain client.';
  END IF;
  IF _check_group.member IS NULL THEN
    RAISE EXCEPTION 'member must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Number the members of a group of N from 0 to N - 1.';
  END IF;
  IF _check_group.member < 0 OR _check_group.member >= _check_group.members THEN
    RAISE EXCEPTION 'member must be between 0 and % for a group of % members, got %',
        _check_group.members - 1, _check_group.members, _check_group.member
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Number the members of a group of N from 0 to N - 1.';
  END IF;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._check_group(integer, integer) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._check_group(integer, integer) IS
  'Raises unless 1 <= members <= 1024 and 0 <= member < members.';

-- The refusal for a client (or a group shape of it) that does not exist.
CREATE FUNCTION eventlog._raise_unknown_client(client text, members integer)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_shapes text;
BEGIN
  SELECT pg_catalog.string_agg(s.members::text, ', ' ORDER BY s.members) INTO v_shapes
  FROM (SELECT DISTINCT c.members FROM eventlog.client_cursors AS c WHERE c.client = _raise_unknown_client.client) AS s;
  IF v_shapes IS NULL THEN
    RAISE EXCEPTION 'client % does not exist', eventlog._display(_raise_unknown_client.client)
      USING ERRCODE = 'undefined_object',
            HINT = 'get_event and peek_event create a client on first use; eventlog.clients lists the clients you may use.';
  END IF;
  RAISE EXCEPTION 'client % has no cursor for members = %', eventlog._display(_raise_unknown_client.client),
      _raise_unknown_client.members
    USING ERRCODE = 'undefined_object',
          DETAIL = 'It has cursors for members = ' || v_shapes || '.',
          HINT = 'Pass the group size its workers use; get_event and peek_event create a new group size on first use.';
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._raise_unknown_client(text, integer) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._raise_unknown_client(text, integer) IS
  'Raises undefined_object for a client, or a group size of it, that does not exist.';
