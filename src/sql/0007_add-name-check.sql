-- One rule for every caller-supplied name (event types, streams, later clients):
-- 1 to 200 characters, no control characters.
CREATE FUNCTION eventlog._check_name(kind text, name text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF name IS NULL THEN
    RAISE EXCEPTION '% must not be NULL', kind
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF name = '' THEN
    RAISE EXCEPTION '% must not be empty', kind
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Names are 1 to 200 characters without control characters.';
  END IF;
  IF pg_catalog.length(name) > 200 THEN
    RAISE EXCEPTION '% "%..." is % characters long, over the limit of 200',
        kind, pg_catalog.left(name, 40), pg_catalog.length(name)
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Names are 1 to 200 characters without control characters.';
  END IF;
  IF name ~ '[[:cntrl:]]' THEN
    RAISE EXCEPTION '% % contains a control character', kind, pg_catalog.quote_literal(name)
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Names are 1 to 200 characters without control characters.';
  END IF;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._check_name(text, text) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._check_name(text, text) IS
  'Raises unless name is 1 to 200 characters without control characters.';
