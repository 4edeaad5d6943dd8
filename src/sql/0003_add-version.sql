CREATE OR REPLACE FUNCTION eventlog.version()
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT '0.1.0'::text;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.version() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.version() TO eventlog_writer, eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.version() IS
  'The installed pg-eventlog version.';
