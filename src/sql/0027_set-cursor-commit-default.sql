-- SHOW eventlog.synchronous_cursors should print the default rather than fail: PostgreSQL knows
-- a custom setting only once a session, role or database sets it (without a C module to declare
-- it). So install sets it for the database, when the installing role may (the database owner or
-- a superuser); uninstall resets it. New sessions see it; the installing session does not. A
-- plain pg_dump does not carry database settings (pg_dump --create does); the functions read an
-- unset value as the default, off, so nothing depends on it but what SHOW prints.
DO $$
BEGIN
  EXECUTE pg_catalog.format('ALTER DATABASE %I SET %s = %L',
    pg_catalog.current_database(), 'eventlog.synchronous_cursors', 'off');
EXCEPTION
  WHEN insufficient_privilege THEN
    RAISE NOTICE 'not setting the database default of eventlog.synchronous_cursors: only the database owner or a superuser may'
      USING DETAIL = 'The default (off) applies all the same; only SHOW eventlog.synchronous_cursors raises 42704 until something sets it.',
            HINT = 'The database owner can run: ALTER DATABASE ' || pg_catalog.quote_ident(pg_catalog.current_database())
                   || ' SET eventlog.synchronous_cursors = off;';
END;
$$;
