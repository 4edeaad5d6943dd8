-- How a caller-supplied text appears inside an error message: quoted, cut at 100 characters, and
-- with control characters escaped, so that a newline cannot split the message and DEL or a
-- terminal escape cannot hide or restyle part of it. Backslashes are doubled, so the escapes are
-- unambiguous. Only error paths call it.
CREATE FUNCTION eventlog._display(value text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_text text;
  v_out text := '';
  v_char text;
  v_code integer;
BEGIN
  IF _display.value IS NULL THEN
    RETURN 'NULL';
  END IF;
  v_text := pg_catalog.left(_display.value, 100);
  IF v_text ~ '[[:cntrl:]\\]' THEN
    FOREACH v_char IN ARRAY pg_catalog.regexp_split_to_array(v_text, '') LOOP
      v_code := pg_catalog.ascii(v_char);
      v_out := v_out || CASE
        WHEN v_char = E'\\' THEN E'\\\\'
        WHEN v_char = E'\n' THEN E'\\n'
        WHEN v_char = E'\r' THEN E'\\r'
        WHEN v_char = E'\t' THEN E'\\t'
        WHEN v_char ~ '[[:cntrl:]]' THEN
          CASE WHEN v_code < 256 THEN E'\\x' || pg_catalog.upper(pg_catalog.lpad(pg_catalog.to_hex(v_code), 2, '0'))
               ELSE E'\\u' || pg_catalog.upper(pg_catalog.lpad(pg_catalog.to_hex(v_code), 4, '0')) END
        ELSE v_char
      END;
    END LOOP;
    v_text := v_out;
  END IF;
  RETURN '''' || pg_catalog.replace(v_text, '''', '''''') || ''''
    || CASE WHEN pg_catalog.length(_display.value) > 100 THEN '...' ELSE '' END;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._display(text) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._display(text) IS
  'A text value as error messages show it: quoted, at most 100 characters, control characters escaped.';

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
    RAISE EXCEPTION '% % is % characters long, over the limit of 200',
        kind, eventlog._display(name), pg_catalog.length(name)
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Names are 1 to 200 characters without control characters.';
  END IF;
  IF name ~ '[[:cntrl:]]' THEN
    RAISE EXCEPTION '% % contains a control character', kind, eventlog._display(name)
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Names are 1 to 200 characters without control characters.';
  END IF;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._check_name(text, text) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._check_name(text, text) IS
  'Raises unless name is 1 to 200 characters without control characters.';
