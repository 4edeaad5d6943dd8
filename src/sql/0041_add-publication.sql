-- A publication of the log for logical replication: Debezium's PostgreSQL connector (pgoutput,
-- with its outbox event router), or any other logical-decoding client (docs/kafka.md).
--
--   SELECT * FROM eventlog.enable_publication();          -- publication "eventlog"
--   SELECT eventlog.disable_publication();
--
-- The publication carries inserts only: the log never updates or deletes except through forget
-- (a sanctioned UPDATE), and the router would drop those anyway (docs/kafka.md says what that
-- means for erased data already downstream). A partitioned log (relkind 'p') is published through
-- its root, so that every partition, present and future, appears as eventlog.events.
--
-- Rights: CREATE PUBLICATION needs CREATE on the database, and adding a table needs ownership of
-- it. Both functions are SECURITY DEFINER, so they act as the installing role (the owner of
-- eventlog.events, which needed CREATE on the database to install) and are granted to
-- eventlog_admin only. The publication belongs to the installing role.
--
-- eventlog.publications records the publications enable_publication created, so that it never
-- takes over, and disable_publication never drops, a publication someone else made.
CREATE TABLE eventlog.publications (
  publication name PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  created_by name NOT NULL DEFAULT SESSION_USER
);

GRANT SELECT ON eventlog.publications TO eventlog_admin;

COMMENT ON TABLE eventlog.publications IS
  'The publications of the log that enable_publication created (and disable_publication may drop).';
COMMENT ON COLUMN eventlog.publications.publication IS
  'Name of the publication.';
COMMENT ON COLUMN eventlog.publications.created_at IS
  'When enable_publication created it.';
COMMENT ON COLUMN eventlog.publications.created_by IS
  'The session user that called enable_publication.';

-- The name rule for publications: a PostgreSQL identifier of 1 to 63 bytes (a longer one would
-- be truncated silently by CREATE PUBLICATION), without control characters.
CREATE FUNCTION eventlog._check_publication_name(name text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF _check_publication_name.name IS NULL THEN
    RAISE EXCEPTION 'publication name must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Leave the argument out for the default name, or pass a name.';
  END IF;
  IF _check_publication_name.name = '' THEN
    RAISE EXCEPTION 'publication name must not be empty'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Publication names are 1 to 63 bytes without control characters.';
  END IF;
  IF _check_publication_name.name ~ '[[:cntrl:]]' THEN
    RAISE EXCEPTION 'publication name % contains a control character', eventlog._display(_check_publication_name.name)
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Publication names are 1 to 63 bytes without control characters.';
  END IF;
  IF pg_catalog.octet_length(_check_publication_name.name) > 63 THEN
    RAISE EXCEPTION 'publication name % is % bytes long, over the limit of 63',
        eventlog._display(_check_publication_name.name), pg_catalog.octet_length(_check_publication_name.name)
      USING ERRCODE = 'name_too_long',
            HINT = 'PostgreSQL would cut a longer name short; pick a name of at most 63 bytes.';
  END IF;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._check_publication_name(text) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._check_publication_name(text) IS
  'Raises unless name is a publication name of 1 to 63 bytes without control characters.';

-- Creates or repairs publication `name` for table `tbl`: inserts only, through the partition root
-- when tbl is partitioned. Returns true when it created the publication. enable_publication calls
-- it for eventlog.events; it takes the table as an argument so that a test can show the
-- partitioned case on a partitioned table of its own before the log itself is partitioned.
CREATE FUNCTION eventlog._publish_table(name text, tbl regclass)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_relkind "char";
  v_via_root boolean;
  v_options text;
  v_pub record;
BEGIN
  SELECT c.relkind INTO v_relkind FROM pg_catalog.pg_class AS c WHERE c.oid = _publish_table.tbl;
  IF v_relkind NOT IN ('r', 'p') THEN
    RAISE EXCEPTION 'cannot publish %: it is not a table (relkind %)', _publish_table.tbl, v_relkind
      USING ERRCODE = 'wrong_object_type';
  END IF;
  v_via_root := v_relkind = 'p';
  v_options := pg_catalog.format('publish = %L, publish_via_partition_root = %s', 'insert', CASE WHEN v_via_root THEN 'true' ELSE 'false' END);
  SELECT p.puballtables INTO v_pub FROM pg_catalog.pg_publication AS p WHERE p.pubname = _publish_table.name;
  IF NOT FOUND THEN
    EXECUTE pg_catalog.format('CREATE PUBLICATION %I FOR TABLE %s WITH (%s)', _publish_table.name, _publish_table.tbl, v_options);
    RETURN true;
  END IF;
  -- Ours already: put back what may have drifted (options, tables, schemas, row filters, column
  -- lists). SET replaces the whole list on every supported major; an unchanged publication stays
  -- as it was.
  IF v_pub.puballtables THEN
    RAISE EXCEPTION 'publication % publishes all tables; enable_publication cannot repair it', eventlog._display(_publish_table.name)
      USING ERRCODE = 'EL070',
            HINT = pg_catalog.format('Drop it (DROP PUBLICATION %I) and call enable_publication again.', _publish_table.name);
  END IF;
  EXECUTE pg_catalog.format('ALTER PUBLICATION %I SET (%s)', _publish_table.name, v_options);
  EXECUTE pg_catalog.format('ALTER PUBLICATION %I SET TABLE %s', _publish_table.name, _publish_table.tbl);
  RETURN false;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._publish_table(text, regclass) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._publish_table(text, regclass) IS
  'Creates or repairs an insert-only publication of one table (through the partition root when it is partitioned); true when created.';

CREATE FUNCTION eventlog.enable_publication(name text DEFAULT 'eventlog')
RETURNS TABLE (publication name, created boolean, publish_via_partition_root boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_created boolean;
BEGIN
  PERFORM eventlog._check_publication_name(enable_publication.name);
  -- One enable or disable at a time, so that two callers never both create (or one drops what the
  -- other is repairing); the lock is held to commit.
  LOCK TABLE eventlog.publications IN SHARE ROW EXCLUSIVE MODE;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_publication AS p WHERE p.pubname = enable_publication.name)
     AND NOT EXISTS (SELECT 1 FROM eventlog.publications AS o WHERE o.publication = enable_publication.name) THEN
    RAISE EXCEPTION 'publication % already exists and was not created by enable_publication', eventlog._display(enable_publication.name)
      USING ERRCODE = 'EL070',
            DETAIL = 'enable_publication neither changes nor takes over a publication someone else made.',
            HINT = 'Pass another name, e.g. enable_publication(''eventlog_kafka''), or drop that publication first.';
  END IF;
  IF NOT pg_catalog.has_database_privilege(CURRENT_USER, pg_catalog.current_database(), 'CREATE')
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication AS p WHERE p.pubname = enable_publication.name) THEN
    RAISE EXCEPTION 'role % (the owner of eventlog.events, as which enable_publication runs) has no CREATE privilege on database %',
        CURRENT_USER, pg_catalog.current_database()
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'CREATE PUBLICATION needs CREATE on the database and ownership of the table.',
            HINT = pg_catalog.format('GRANT CREATE ON DATABASE %I TO %I;', pg_catalog.current_database(), CURRENT_USER);
  END IF;
  v_created := eventlog._publish_table(enable_publication.name, 'eventlog.events'::regclass);
  INSERT INTO eventlog.publications AS o (publication)
  VALUES (enable_publication.name)
  ON CONFLICT ON CONSTRAINT publications_pkey DO UPDATE
    SET created_at = pg_catalog.now(), created_by = SESSION_USER
    WHERE v_created;
  IF pg_catalog.current_setting('wal_level') <> 'logical' THEN
    RAISE WARNING 'wal_level is %, so nothing can be decoded from publication % yet', pg_catalog.current_setting('wal_level'), eventlog._display(enable_publication.name)
      USING HINT = 'Set wal_level = logical (ALTER SYSTEM SET wal_level = logical) and restart the server.';
  END IF;
  RETURN QUERY
    SELECT p.pubname, v_created, p.pubviaroot
    FROM pg_catalog.pg_publication AS p
    WHERE p.pubname = enable_publication.name;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.enable_publication(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.enable_publication(text) TO eventlog_admin;

COMMENT ON FUNCTION eventlog.enable_publication(text) IS
  'Creates (or repairs) the insert-only publication of eventlog.events for logical replication and Debezium.';

CREATE FUNCTION eventlog.disable_publication(name text DEFAULT 'eventlog')
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_slots text;
BEGIN
  PERFORM eventlog._check_publication_name(disable_publication.name);
  LOCK TABLE eventlog.publications IN SHARE ROW EXCLUSIVE MODE;
  IF NOT EXISTS (SELECT 1 FROM eventlog.publications AS o WHERE o.publication = disable_publication.name) THEN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_publication AS p WHERE p.pubname = disable_publication.name) THEN
      RAISE EXCEPTION 'publication % was not created by enable_publication', eventlog._display(disable_publication.name)
        USING ERRCODE = 'EL070',
              DETAIL = 'disable_publication only drops publications that enable_publication created.',
              HINT = pg_catalog.format('Drop it yourself if it is no longer used: DROP PUBLICATION %I;', disable_publication.name);
    END IF;
    RAISE EXCEPTION 'publication % does not exist', eventlog._display(disable_publication.name)
      USING ERRCODE = 'undefined_object',
            HINT = 'SELECT publication FROM eventlog.publications lists the publications enable_publication created.';
  END IF;
  EXECUTE pg_catalog.format('DROP PUBLICATION IF EXISTS %I', disable_publication.name);
  DELETE FROM eventlog.publications AS o WHERE o.publication = disable_publication.name;
  -- A slot outlives the publication and keeps retaining WAL; say so rather than drop it (the
  -- slot may serve another publication, and dropping one needs the REPLICATION attribute).
  SELECT pg_catalog.string_agg(pg_catalog.quote_literal(s.slot_name::text), ', ' ORDER BY s.slot_name) INTO v_slots
  FROM pg_catalog.pg_replication_slots AS s
  WHERE s.database = pg_catalog.current_database() AND s.slot_type = 'logical';
  IF v_slots IS NOT NULL THEN
    RAISE WARNING 'logical replication slots of this database still retain WAL: %', v_slots
      USING HINT = 'Drop each one no consumer needs any more: SELECT pg_drop_replication_slot(''slot_name''); see eventlog.replication_slots.';
  END IF;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.disable_publication(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.disable_publication(text) TO eventlog_admin;

COMMENT ON FUNCTION eventlog.disable_publication(text) IS
  'Drops a publication of the log that enable_publication created.';
