-- Three group roles, NOLOGIN: applications grant them to their own login roles.
-- Roles are cluster-wide, so a second install (another database, same cluster) reuses them.
DO $$
DECLARE
  v_role text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['eventlog_writer', 'eventlog_reader', 'eventlog_admin'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_role) THEN
      BEGIN
        EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', v_role);
      EXCEPTION
        WHEN insufficient_privilege THEN
          RAISE EXCEPTION 'cannot create role %: the installing role lacks CREATEROLE', v_role
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Install as a role with CREATEROLE, or have an administrator create the roles eventlog_writer, eventlog_reader and eventlog_admin first.';
        WHEN duplicate_object THEN
          NULL; -- created by a concurrent install
      END;
    END IF;
  END LOOP;
END;
$$;

GRANT USAGE ON SCHEMA eventlog TO eventlog_writer, eventlog_reader, eventlog_admin;

-- The admin role can do what writers and readers do. Granted only when missing, so that a second
-- install in the same cluster stays quiet.
DO $$
DECLARE
  v_member text;
BEGIN
  FOREACH v_member IN ARRAY ARRAY['eventlog_writer', 'eventlog_reader'] LOOP
    IF NOT pg_catalog.pg_has_role('eventlog_admin', v_member, 'MEMBER') THEN
      EXECUTE pg_catalog.format('GRANT %I TO %I', v_member, 'eventlog_admin');
    END IF;
  END LOOP;
END;
$$;
