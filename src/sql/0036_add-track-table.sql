-- Change capture for ordinary tables (SPEC §5, issue 11). track_table(tbl) puts our triggers on a
-- table; from then on every INSERT, UPDATE and DELETE of it appends change events to the log, in
-- the same transaction, through the log's own INSERT path (0025): same order, same gap safety,
-- and writers of different rows stay parallel. Design, stream encoding and the revision rule:
-- docs/capture.md.
--
--   * One stream per row: <schema>.<table>:<key>, the names as quote_ident writes them, the key as
--     JSON (the value for a one-column primary key, an array in key order for a composite one).
--   * The row's revision IS its stream version: the log's stream trigger numbers the event, and the
--     row carries the same number in its revision column. A delete takes a version too (the
--     tombstone); a row inserted again later goes on from there.
--   * A BEFORE row trigger locks the row's stream and writes the next version into the revision
--     column; AFTER statement triggers with transition tables append the statement's changes in
--     one INSERT and check that every event got the version the row carries.

-- Which tables are tracked, and how. Written only by track_table and untrack_table (through the
-- SECURITY DEFINER helpers below, which take every value from the catalog), read by the capture
-- triggers once per statement: a trigger that does not match its row here writes nothing.
CREATE TABLE eventlog.tracked_tables (
  tbl regclass NOT NULL,
  stream_prefix text NOT NULL,
  key_columns name[] NOT NULL,
  revision_column name NOT NULL,
  tracked_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  tracked_by name NOT NULL,
  CONSTRAINT tracked_tables_pkey PRIMARY KEY (tbl),
  CONSTRAINT tracked_tables_stream_prefix_key UNIQUE (stream_prefix)
);

GRANT SELECT ON eventlog.tracked_tables TO eventlog_reader, eventlog_admin;

COMMENT ON TABLE eventlog.tracked_tables IS
  'Tables whose changes are captured into the log (track_table), one row each.';
COMMENT ON COLUMN eventlog.tracked_tables.tbl IS
  'The tracked table.';
COMMENT ON COLUMN eventlog.tracked_tables.stream_prefix IS
  'Start of the stream of each of its rows: <schema>.<table>: with quote_ident names; fixed when tracking starts.';
COMMENT ON COLUMN eventlog.tracked_tables.key_columns IS
  'The primary key columns, in key order, when tracking started.';
COMMENT ON COLUMN eventlog.tracked_tables.revision_column IS
  'The column that carries each row''s revision (its stream version).';
COMMENT ON COLUMN eventlog.tracked_tables.tracked_at IS
  'When track_table ran.';
COMMENT ON COLUMN eventlog.tracked_tables.tracked_by IS
  'The role that called track_table.';

-- The key part of a row's stream: the JSON of the key value for a one-column key, a JSON array of
-- the values in key order for a composite key. JSON escapes quotes and control characters, so the
-- text is unambiguous and always a valid stream name (when short enough).
CREATE FUNCTION eventlog._capture_key(row_data jsonb, key_columns name[])
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_key jsonb := '[]';
  v_column name;
BEGIN
  FOREACH v_column IN ARRAY _capture_key.key_columns LOOP
    IF NOT (_capture_key.row_data ? v_column) THEN
      RAISE EXCEPTION 'primary key column % is missing from the row', pg_catalog.quote_ident(v_column)
        USING ERRCODE = 'EL044',
              DETAIL = 'The table''s columns changed after track_table recorded its primary key.',
              HINT = 'After renaming key columns or changing the primary key, call untrack_table and track_table again.';
    END IF;
    v_key := v_key || pg_catalog.jsonb_build_array(_capture_key.row_data -> v_column);
  END LOOP;
  IF pg_catalog.array_length(_capture_key.key_columns, 1) = 1 THEN
    RETURN (v_key -> 0)::text;
  END IF;
  RETURN v_key::text;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._capture_key(jsonb, name[]) FROM PUBLIC;
-- track_table's backfill runs with the caller's rights and names rows' streams with it.
GRANT EXECUTE ON FUNCTION eventlog._capture_key(jsonb, name[]) TO eventlog_admin;

COMMENT ON FUNCTION eventlog._capture_key(jsonb, name[]) IS
  'The key part of a tracked row''s stream: JSON of the key value, or a JSON array for a composite key.';

-- The primary key columns of a row as a JSON object: a tombstone's payload.
CREATE FUNCTION eventlog._capture_key_object(row_data jsonb, key_columns name[])
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.jsonb_object_agg(k.col, _capture_key_object.row_data -> k.col)
  FROM pg_catalog.unnest(_capture_key_object.key_columns) AS k (col);
$$;

REVOKE EXECUTE ON FUNCTION eventlog._capture_key_object(jsonb, name[]) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._capture_key_object(jsonb, name[]) IS
  'The primary key columns of a row as a JSON object, the payload of a tombstone.';

-- Locks a row's stream for the capture trigger and returns its current version (0 for a stream
-- not in the log yet, which cannot be locked ahead). Log order is by transaction id, and a
-- transaction's id is fixed by its first write; so a transaction that got its id before another
-- one, then waited for that other one's lock on this stream, would place its newer version of the
-- row before the older one in the log. It is refused with 40001 instead, and its retry gets a new
-- id: a row's revisions are in log order, so a reader that applies changes in log order ends with
-- each row's latest revision. The log's stream trigger (0025) refuses the same append when the
-- statement's events are written; checking here, per row, refuses it before the row is changed,
-- with the row named.
CREATE FUNCTION eventlog._capture_lock_stream(stream text)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_version integer;
  v_tx_order bigint;
BEGIN
  SELECT s.version, s.tx_order INTO v_version, v_tx_order
  FROM eventlog.streams AS s
  WHERE s.stream = _capture_lock_stream.stream
  FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  IF v_tx_order > pg_catalog.pg_current_xact_id()::text::bigint + eventlog._clock_offset() THEN
    RAISE EXCEPTION 'row % was changed by a transaction that began writing after this one and committed first',
        eventlog._display(_capture_lock_stream.stream)
      USING ERRCODE = 'serialization_failure',
            DETAIL = 'Its revision would come after this one''s in the log.',
            HINT = 'Retry the transaction.';
  END IF;
  RETURN v_version;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._capture_lock_stream(text) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._capture_lock_stream(text) IS
  'Locks a tracked row''s stream to commit and returns its version; 40001 if a later writer already committed a newer one.';

-- BEFORE INSERT OR UPDATE OR DELETE, for each row. Arguments (fixed by track_table): the stream
-- prefix, the revision column, then the key columns. Locks the stream of the row's key (the new
-- key, and the old one when an UPDATE changes it) until commit, so that writers of one row are
-- ordered on it (and in log order: _capture_lock_stream), and writes the stream's next version into the revision column. It writes nothing
-- to the log; the statement triggers do, and check that the versions agree (an insert of a key
-- whose stream does not exist yet cannot be locked ahead: a race there ends in 40001).
-- SECURITY DEFINER: the table's writers have no rights on eventlog.streams.
CREATE FUNCTION eventlog.tg_tracked__set_revision()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_prefix text := tg_argv[0];
  v_revision_column name := tg_argv[1];
  v_new jsonb;
  v_old jsonb;
  v_old_stream text;
  v_stream text;
  v_version integer;
  v_tx_order bigint;
BEGIN
  -- One-column keys (the usual case) are named inline; _capture_key would give the same text.
  IF tg_op <> 'INSERT' THEN
    v_old := pg_catalog.to_jsonb(OLD);
    v_old_stream := v_prefix || CASE WHEN tg_nargs = 3 THEN (v_old -> tg_argv[2])::text
                                     ELSE eventlog._capture_key(v_old, tg_argv[2:]) END;
  END IF;
  IF tg_op = 'DELETE' THEN
    v_stream := v_old_stream;
  ELSE
    v_new := pg_catalog.to_jsonb(NEW);
    v_stream := v_prefix || CASE WHEN tg_nargs = 3 THEN (v_new -> tg_argv[2])::text
                                 ELSE eventlog._capture_key(v_new, tg_argv[2:]) END;
    IF v_old_stream IS DISTINCT FROM v_stream AND v_old_stream IS NOT NULL THEN
      PERFORM eventlog._capture_lock_stream(v_old_stream);
    END IF;
  END IF;
  -- _capture_lock_stream(v_stream), inline: this is the lock of every changed row, and a call of
  -- a function with a pinned search_path costs a setting switch (docs/benchmarks.md, capture).
  SELECT s.version, s.tx_order INTO v_version, v_tx_order
  FROM eventlog.streams AS s
  WHERE s.stream = v_stream
  FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    v_version := 0;
  ELSIF v_tx_order > pg_catalog.pg_current_xact_id()::text::bigint + eventlog._clock_offset() THEN
    -- Changed and committed by a transaction that began writing after this one: its 40001.
    PERFORM eventlog._capture_lock_stream(v_stream);
  END IF;
  IF tg_op = 'DELETE' THEN
    RETURN OLD;
  END IF;
  v_version := v_version + 1;
  IF (v_new -> v_revision_column) IS DISTINCT FROM pg_catalog.to_jsonb(v_version) THEN
    NEW := pg_catalog.jsonb_populate_record(NEW, pg_catalog.jsonb_build_object(v_revision_column, v_version));
  END IF;
  RETURN NEW;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.tg_tracked__set_revision() FROM PUBLIC;
-- track_table runs with the caller's rights and creates the triggers, which needs EXECUTE.
GRANT EXECUTE ON FUNCTION eventlog.tg_tracked__set_revision() TO eventlog_admin;

COMMENT ON FUNCTION eventlog.tg_tracked__set_revision() IS
  'Trigger function on tracked tables: locks the row''s stream and sets its revision column to the next stream version.';

-- The refusal of a capture trigger whose table has lost a key or revision column since tracking
-- (renamed or dropped): EL044 naming them; returns when they are all there.
CREATE FUNCTION eventlog._capture_check_columns(tbl regclass, columns name[])
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_missing text;
BEGIN
  SELECT pg_catalog.string_agg(pg_catalog.quote_ident(c.col), ', ') INTO v_missing
  FROM pg_catalog.unnest(_capture_check_columns.columns) AS c (col)
  WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute AS a
                    WHERE a.attrelid = _capture_check_columns.tbl AND a.attname = c.col AND a.attnum > 0 AND NOT a.attisdropped);
  IF v_missing IS NOT NULL THEN
    RAISE EXCEPTION 'tracked table % has no column(s) % any more', _capture_check_columns.tbl, v_missing
      USING ERRCODE = 'EL044',
            DETAIL = 'track_table recorded the primary key and revision columns by name.',
            HINT = 'After renaming or dropping them, or changing the primary key, call untrack_table and track_table again.';
  END IF;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._capture_check_columns(regclass, name[]) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._capture_check_columns(regclass, name[]) IS
  'Internal: raises EL044 naming the recorded key or revision columns a tracked table no longer has.';

-- AFTER INSERT, UPDATE or DELETE, for each statement, with the statement's transition tables
-- (old_rows, new_rows). Same arguments as above. Appends one event per changed key in one INSERT:
-- a key only in new_rows is an insert (the new row as payload), only in old_rows a delete (the
-- old key as payload, metadata tombstone), in both an update. So an UPDATE that changes a
-- primary key is a delete of the old key plus an insert of the new one, also when one statement
-- moves several keys at once. Refuses to run unless tracked_tables has this table with these
-- arguments: the function cannot be used to write other events.
--
-- One statement per call does it all: the registration is joined into the INSERT (no row of
-- tracked_tables, nothing appended, then EL044), and the same statement returns the first event
-- that came out wrong: no stream (a key column is gone, so the row has no key under its recorded
-- name) or another version than the revision its row carries (a concurrent change of the key, or
-- the revision column is gone). Only then are the columns looked up in the catalog, to tell EL044
-- from 40001; raising undoes the statement's appends with it. This replaced a registration query
-- and a catalog query before every statement's INSERT, which were a fifth of the trigger's time
-- for a one-row UPDATE (docs/benchmarks.md, capture).
CREATE FUNCTION eventlog.tg_tracked__log_changes()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_prefix text := tg_argv[0];
  v_revision_column name := tg_argv[1];
  v_keys name[] := tg_argv[2:];
  v_single boolean := tg_nargs = 3;
  v_table text;
  v_bad boolean;
  v_bad_stream text;
  v_bad_version integer;
  v_bad_revision jsonb;
BEGIN
  IF tg_level <> 'STATEMENT' OR tg_when <> 'AFTER' OR tg_nargs < 3 THEN
    RAISE EXCEPTION 'trigger % on %.% does not match a table tracked by track_table', tg_name, tg_table_schema, tg_table_name
      USING ERRCODE = 'EL044',
            HINT = 'Only track_table puts capture triggers on a table; call untrack_table and track_table to repair.';
  END IF;

  IF tg_op = 'INSERT' THEN
    WITH registered AS (
      SELECT t.tbl::text AS name
      FROM eventlog.tracked_tables AS t
      WHERE t.tbl = tg_relid
        AND t.stream_prefix = v_prefix
        AND t.revision_column = v_revision_column
        AND t.key_columns = v_keys
    ),
    appended AS (
      INSERT INTO eventlog.events (event_type, stream, payload, metadata)
      SELECT 'insert', v_prefix || CASE WHEN v_single THEN (n.row_data -> v_keys[1])::text ELSE eventlog._capture_key(n.row_data, v_keys) END, n.row_data,
        pg_catalog.jsonb_build_object('table', g.name)
      FROM registered AS g, (SELECT pg_catalog.to_jsonb(r) AS row_data FROM new_rows AS r) AS n
      RETURNING stream, version, payload
    )
    SELECT (SELECT g.name FROM registered AS g), b.bad, b.stream, b.version, b.revision
    INTO v_table, v_bad, v_bad_stream, v_bad_version, v_bad_revision
    FROM (SELECT) AS one
    LEFT JOIN LATERAL (
      SELECT true AS bad, a.stream, a.version, a.payload -> v_revision_column AS revision
      FROM appended AS a
      WHERE a.stream IS NULL
         OR (a.payload -> v_revision_column) IS DISTINCT FROM pg_catalog.to_jsonb(a.version)
      LIMIT 1
    ) AS b ON true;
  ELSIF tg_op = 'DELETE' THEN
    WITH registered AS (
      SELECT t.tbl::text AS name
      FROM eventlog.tracked_tables AS t
      WHERE t.tbl = tg_relid
        AND t.stream_prefix = v_prefix
        AND t.revision_column = v_revision_column
        AND t.key_columns = v_keys
    ),
    appended AS (
      INSERT INTO eventlog.events (event_type, stream, payload, metadata)
      SELECT 'delete', v_prefix || CASE WHEN v_single THEN (o.row_data -> v_keys[1])::text ELSE eventlog._capture_key(o.row_data, v_keys) END,
        eventlog._capture_key_object(o.row_data, v_keys),
        pg_catalog.jsonb_build_object('table', g.name, 'tombstone', true)
      FROM registered AS g, (SELECT pg_catalog.to_jsonb(r) AS row_data FROM old_rows AS r) AS o
      RETURNING stream
    )
    SELECT (SELECT g.name FROM registered AS g), b.bad
    INTO v_table, v_bad
    FROM (SELECT) AS one
    LEFT JOIN LATERAL (SELECT true AS bad FROM appended AS a WHERE a.stream IS NULL LIMIT 1) AS b ON true;
  ELSE
    WITH registered AS (
      SELECT t.tbl::text AS name
      FROM eventlog.tracked_tables AS t
      WHERE t.tbl = tg_relid
        AND t.stream_prefix = v_prefix
        AND t.revision_column = v_revision_column
        AND t.key_columns = v_keys
    ),
    o AS (
      SELECT v_prefix || CASE WHEN v_single THEN (x.row_data -> v_keys[1])::text ELSE eventlog._capture_key(x.row_data, v_keys) END AS stream, x.row_data
      FROM (SELECT pg_catalog.to_jsonb(r) AS row_data FROM old_rows AS r) AS x
    ),
    n AS (
      SELECT v_prefix || CASE WHEN v_single THEN (x.row_data -> v_keys[1])::text ELSE eventlog._capture_key(x.row_data, v_keys) END AS stream, x.row_data
      FROM (SELECT pg_catalog.to_jsonb(r) AS row_data FROM new_rows AS r) AS x
    ),
    appended AS (
      INSERT INTO eventlog.events (event_type, stream, payload, metadata)
      SELECT c.event_type, c.stream, c.payload,
        CASE WHEN c.event_type = 'delete' THEN pg_catalog.jsonb_build_object('table', g.name, 'tombstone', true)
             ELSE pg_catalog.jsonb_build_object('table', g.name) END
      FROM registered AS g, (
        SELECT CASE WHEN n.stream IS NULL THEN 'delete' WHEN o.stream IS NULL THEN 'insert' ELSE 'update' END AS event_type,
          coalesce(n.stream, o.stream) AS stream,
          CASE WHEN n.stream IS NULL THEN eventlog._capture_key_object(o.row_data, v_keys) ELSE n.row_data END AS payload
        FROM o FULL JOIN n ON n.stream = o.stream
      ) AS c
      -- Deletes first: a statement that moves keys reads as the old rows leaving, then the new ones.
      ORDER BY c.event_type <> 'delete', c.stream
      RETURNING event_type, stream, version, payload
    )
    SELECT (SELECT g.name FROM registered AS g), b.bad, b.stream, b.version, b.revision
    INTO v_table, v_bad, v_bad_stream, v_bad_version, v_bad_revision
    FROM (SELECT) AS one
    LEFT JOIN LATERAL (
      SELECT true AS bad, a.stream, a.version, a.payload -> v_revision_column AS revision
      FROM appended AS a
      WHERE a.stream IS NULL
         OR (a.event_type <> 'delete' AND (a.payload -> v_revision_column) IS DISTINCT FROM pg_catalog.to_jsonb(a.version))
      LIMIT 1
    ) AS b ON true;
  END IF;

  IF v_table IS NULL THEN
    RAISE EXCEPTION 'trigger % on %.% does not match a table tracked by track_table', tg_name, tg_table_schema, tg_table_name
      USING ERRCODE = 'EL044',
            HINT = 'Only track_table puts capture triggers on a table; call untrack_table and track_table to repair.';
  END IF;
  IF v_bad THEN
    -- The key and revision columns are still there under the names recorded, or EL044.
    PERFORM eventlog._capture_check_columns(tg_relid, v_keys || v_revision_column);
    RAISE EXCEPTION 'stream % of table % got version %, but the row carries revision %',
        eventlog._display(v_bad_stream), v_table, v_bad_version, coalesce(v_bad_revision::text, 'NULL')
      USING ERRCODE = 'serialization_failure',
            DETAIL = 'Another transaction changed the same key at the same time (or the revision column was changed after the capture trigger set it).',
            HINT = 'Retry the transaction.';
  END IF;
  RETURN NULL;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.tg_tracked__log_changes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.tg_tracked__log_changes() TO eventlog_admin;

COMMENT ON FUNCTION eventlog.tg_tracked__log_changes() IS
  'Trigger function on tracked tables: appends one insert, update or delete event per changed key of the statement.';

-- TRUNCATE fires no row triggers, so it would remove rows without tombstones. Refused.
CREATE FUNCTION eventlog.tg_tracked__refuse_truncate()
RETURNS trigger
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'TRUNCATE of tracked table %.% is refused: it would remove rows without recording their deletes',
      pg_catalog.quote_ident(tg_table_schema), pg_catalog.quote_ident(tg_table_name)
    USING ERRCODE = 'EL043',
          HINT = 'Use DELETE, which records a tombstone per row, or call untrack_table first.';
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.tg_tracked__refuse_truncate() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.tg_tracked__refuse_truncate() TO eventlog_admin;

COMMENT ON FUNCTION eventlog.tg_tracked__refuse_truncate() IS
  'Trigger function on tracked tables: refuses TRUNCATE.';

-- The role track_table and untrack_table act for, seen from inside a SECURITY DEFINER helper.
CREATE FUNCTION eventlog._capture_caller()
RETURNS name
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(NULLIF(pg_catalog.current_setting('role'), 'none'), session_user)::name;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._capture_caller() FROM PUBLIC;

COMMENT ON FUNCTION eventlog._capture_caller() IS
  'The calling role (SET ROLE, else the session user), as the tracking helpers check it.';

-- Everything track_table refuses, checked from the catalog before anything is written. Returns the
-- primary key columns in key order. Raises with the table named. SECURITY DEFINER only so that it
-- can show names with _display; it reads nothing but the catalog.
CREATE FUNCTION eventlog._check_trackable(tbl regclass, revision_column name)
RETURNS name[]
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_class pg_catalog.pg_class;
  v_schema name;
  v_keys name[];
  v_deferrable boolean;
  v_column record;
BEGIN
  -- The helper is granted to eventlog_admin (track_table runs with the caller's rights), so it
  -- checks its own arguments.
  IF _check_trackable.tbl IS NULL THEN
    RAISE EXCEPTION 'tbl must not be NULL'
      USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass the table to track, e.g. ''public.orders''.';
  END IF;
  IF _check_trackable.revision_column IS NULL OR _check_trackable.revision_column = '' THEN
    RAISE EXCEPTION 'revision_column must not be %', CASE WHEN _check_trackable.revision_column IS NULL THEN 'NULL' ELSE 'empty' END
      USING ERRCODE = CASE WHEN _check_trackable.revision_column IS NULL THEN 'null_value_not_allowed' ELSE 'invalid_parameter_value' END,
            HINT = 'Leave it out for a column named revision.';
  END IF;
  SELECT c.* INTO v_class FROM pg_catalog.pg_class AS c WHERE c.oid = _check_trackable.tbl;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'table with oid % does not exist', _check_trackable.tbl::oid
      USING ERRCODE = 'undefined_table';
  END IF;
  SELECT n.nspname INTO STRICT v_schema FROM pg_catalog.pg_namespace AS n WHERE n.oid = v_class.relnamespace;

  IF v_class.relkind = 'p' THEN
    RAISE EXCEPTION '% is a partitioned table; only ordinary tables can be tracked', _check_trackable.tbl
      USING ERRCODE = 'wrong_object_type',
            HINT = 'Partitioned tables are not supported yet (docs/capture.md).';
  END IF;
  IF v_class.relkind <> 'r' THEN
    RAISE EXCEPTION '% is a %, not a table; only ordinary tables can be tracked', _check_trackable.tbl,
        CASE v_class.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table'
             WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' ELSE 'relation of kind ' || v_class.relkind::text END
      USING ERRCODE = 'wrong_object_type',
            HINT = 'Track the table the view reads from.';
  END IF;
  IF v_schema = 'eventlog' THEN
    RAISE EXCEPTION '% belongs to pg-eventlog itself and cannot be tracked', _check_trackable.tbl
      USING ERRCODE = 'EL040',
            HINT = 'Track tables of your application; the log''s own tables are read with get_event.';
  END IF;
  IF v_class.relpersistence = 't' THEN
    RAISE EXCEPTION '% is a temporary table and cannot be tracked', _check_trackable.tbl
      USING ERRCODE = 'EL040';
  END IF;
  IF v_class.relpersistence = 'u' THEN
    RAISE EXCEPTION '% is an unlogged table and cannot be tracked', _check_trackable.tbl
      USING ERRCODE = 'EL040',
            DETAIL = 'A crash empties an unlogged table without recording deletes, so the log would no longer match it.',
            HINT = 'ALTER TABLE ... SET LOGGED first.';
  END IF;
  IF v_class.relispartition THEN
    RAISE EXCEPTION '% is a partition; partitioned tables cannot be tracked', _check_trackable.tbl
      USING ERRCODE = 'EL040',
            HINT = 'Partitioned tables are not supported yet (docs/capture.md).';
  END IF;
  IF v_class.relhassubclass
     OR EXISTS (SELECT 1 FROM pg_catalog.pg_inherits AS i WHERE i.inhrelid = _check_trackable.tbl) THEN
    RAISE EXCEPTION '% takes part in table inheritance and cannot be tracked', _check_trackable.tbl
      USING ERRCODE = 'EL040',
            DETAIL = 'Changes made through a parent or a child would not all reach the same triggers.';
  END IF;

  SELECT pg_catalog.array_agg(a.attname ORDER BY k.ord), bool_or(con.condeferrable) INTO v_keys, v_deferrable
  FROM pg_catalog.pg_constraint AS con
  CROSS JOIN LATERAL pg_catalog.unnest(con.conkey) WITH ORDINALITY AS k (attnum, ord)
  JOIN pg_catalog.pg_attribute AS a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
  WHERE con.conrelid = _check_trackable.tbl AND con.contype = 'p';
  IF v_keys IS NULL THEN
    RAISE EXCEPTION '% has no primary key', _check_trackable.tbl
      USING ERRCODE = 'EL040',
            DETAIL = 'Each row''s stream is named after its primary key.',
            HINT = 'Add a primary key (ALTER TABLE ... ADD PRIMARY KEY) and track the table again.';
  END IF;
  IF v_deferrable THEN
    RAISE EXCEPTION 'the primary key of % is deferrable', _check_trackable.tbl
      USING ERRCODE = 'EL040',
            DETAIL = 'With a deferred key, one statement can leave two rows with the same key, which would share one stream.',
            HINT = 'Make the primary key NOT DEFERRABLE.';
  END IF;

  -- A system column's name (xmin, ctid, tableoid, …; oid too, a system column before PostgreSQL
  -- 12) cannot be added and must not be taken for the revision: refused before anything is written.
  IF _check_trackable.revision_column IN ('oid', 'tableoid', 'xmin', 'xmax', 'cmin', 'cmax', 'ctid')
     OR EXISTS (SELECT 1 FROM pg_catalog.pg_attribute AS a
                WHERE a.attrelid = _check_trackable.tbl AND a.attname = _check_trackable.revision_column AND a.attnum < 0) THEN
    RAISE EXCEPTION 'revision column % of % is the name of a system column', eventlog._display(_check_trackable.revision_column), _check_trackable.tbl
      USING ERRCODE = 'invalid_column_reference',
            HINT = 'Name another column, e.g. revision; track_table adds it when it is missing.';
  END IF;
  IF _check_trackable.revision_column = ANY (v_keys) THEN
    RAISE EXCEPTION 'revision column % of % is part of its primary key', eventlog._display(_check_trackable.revision_column), _check_trackable.tbl
      USING ERRCODE = 'invalid_column_reference',
            HINT = 'Name another column; track_table adds it when it is missing.';
  END IF;
  SELECT a.atttypid::regtype AS type_name, a.attgenerated, a.attidentity INTO v_column
  FROM pg_catalog.pg_attribute AS a
  WHERE a.attrelid = _check_trackable.tbl AND a.attname = _check_trackable.revision_column
    AND a.attnum > 0 AND NOT a.attisdropped;
  IF FOUND THEN
    IF v_column.type_name NOT IN ('integer'::regtype, 'bigint'::regtype) THEN
      RAISE EXCEPTION 'revision column % of % has type %, not integer or bigint',
          eventlog._display(_check_trackable.revision_column), _check_trackable.tbl, v_column.type_name
        USING ERRCODE = 'datatype_mismatch',
              HINT = 'Name another column (track_table adds an integer column when it is missing), or change its type.';
    END IF;
    IF v_column.attgenerated <> '' OR v_column.attidentity <> '' THEN
      RAISE EXCEPTION 'revision column % of % is a generated or identity column',
          eventlog._display(_check_trackable.revision_column), _check_trackable.tbl
        USING ERRCODE = 'invalid_column_reference',
              HINT = 'Name another column; track_table adds it when it is missing.';
    END IF;
  END IF;
  RETURN v_keys;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._check_trackable(regclass, name) FROM PUBLIC;
-- Called by track_table, which runs with the caller's rights.
GRANT EXECUTE ON FUNCTION eventlog._check_trackable(regclass, name) TO eventlog_admin;

COMMENT ON FUNCTION eventlog._check_trackable(regclass, name) IS
  'Raises unless the table can be tracked with that revision column; returns its primary key columns.';

-- Records the table in tracked_tables with values taken from the catalog. SECURITY DEFINER, so
-- that tracked_tables needs no write grant; the caller must own the table.
CREATE FUNCTION eventlog._register_tracked_table(tbl regclass, revision_column name)
RETURNS eventlog.tracked_tables
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_caller name := eventlog._capture_caller();
  v_keys name[];
  v_prefix text;
  v_other regclass;
  v_row eventlog.tracked_tables;
BEGIN
  IF _register_tracked_table.tbl IS NULL OR _register_tracked_table.revision_column IS NULL THEN
    RAISE EXCEPTION '% must not be NULL', CASE WHEN _register_tracked_table.tbl IS NULL THEN 'tbl' ELSE 'revision_column' END
      USING ERRCODE = 'null_value_not_allowed', HINT = 'Call track_table, which registers the table it tracks.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class AS c
                 WHERE c.oid = _register_tracked_table.tbl AND pg_catalog.pg_has_role(v_caller, c.relowner, 'USAGE')) THEN
    RAISE EXCEPTION 'role % does not own table %', v_caller, _register_tracked_table.tbl
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  v_keys := eventlog._check_trackable(_register_tracked_table.tbl, _register_tracked_table.revision_column);
  SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) || ':' INTO STRICT v_prefix
  FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
  WHERE c.oid = _register_tracked_table.tbl;
  PERFORM eventlog._check_name('stream prefix', v_prefix);
  IF pg_catalog.length(v_prefix) > 150 THEN
    RAISE EXCEPTION 'stream prefix % of % is % characters long, over the limit of 150', eventlog._display(v_prefix),
        _register_tracked_table.tbl, pg_catalog.length(v_prefix)
      USING ERRCODE = 'EL040',
            DETAIL = 'Streams are at most 200 characters, and each row''s key follows the prefix.',
            HINT = 'Track a table with a shorter schema and table name.';
  END IF;
  -- Rows of tables dropped while tracked (DROP TABLE takes the triggers along, not this row).
  DELETE FROM eventlog.tracked_tables AS t
  WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class AS c WHERE c.oid = t.tbl::oid);
  SELECT t.tbl INTO v_other FROM eventlog.tracked_tables AS t
  WHERE t.stream_prefix = v_prefix AND t.tbl <> _register_tracked_table.tbl;
  IF FOUND THEN
    RAISE EXCEPTION 'stream prefix % is already used by tracked table %', eventlog._display(v_prefix), v_other
      USING ERRCODE = 'EL041',
            DETAIL = 'That table was renamed after tracking started; its streams keep the old name.',
            HINT = 'Untrack it, or rename this table.';
  END IF;
  -- A row left behind (the table's capture triggers were dropped, or its oid was reused) is replaced.
  DELETE FROM eventlog.tracked_tables AS t WHERE t.tbl = _register_tracked_table.tbl;
  INSERT INTO eventlog.tracked_tables (tbl, stream_prefix, key_columns, revision_column, tracked_by)
  VALUES (_register_tracked_table.tbl, v_prefix, v_keys, _register_tracked_table.revision_column, v_caller)
  RETURNING * INTO STRICT v_row;
  RETURN v_row;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._register_tracked_table(regclass, name) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog._register_tracked_table(regclass, name) TO eventlog_admin;

COMMENT ON FUNCTION eventlog._register_tracked_table(regclass, name) IS
  'Records a table the caller owns in tracked_tables, with its stream prefix and key columns from the catalog.';

CREATE FUNCTION eventlog._unregister_tracked_table(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_caller name := eventlog._capture_caller();
  v_triggers text;
BEGIN
  IF _unregister_tracked_table.tbl IS NULL THEN
    RAISE EXCEPTION 'tbl must not be NULL'
      USING ERRCODE = 'null_value_not_allowed', HINT = 'Call untrack_table, which unregisters the table it untracks.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class AS c
                 WHERE c.oid = _unregister_tracked_table.tbl AND pg_catalog.pg_has_role(v_caller, c.relowner, 'USAGE')) THEN
    RAISE EXCEPTION 'role % does not own table %', v_caller, _unregister_tracked_table.tbl
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- untrack_table drops the capture triggers first; called directly, the helper would leave them
  -- on the table without their registration (and every write of the table refused with EL044).
  SELECT pg_catalog.string_agg(pg_catalog.quote_ident(g.tgname), ', ' ORDER BY g.tgname) INTO v_triggers
  FROM pg_catalog.pg_trigger AS g
  WHERE g.tgrelid = _unregister_tracked_table.tbl
    AND (g.tgname LIKE '\_100\_capture\_%'
         OR g.tgfoid IN ('eventlog.tg_tracked__set_revision()'::pg_catalog.regprocedure,
                         'eventlog.tg_tracked__log_changes()'::pg_catalog.regprocedure,
                         'eventlog.tg_tracked__refuse_truncate()'::pg_catalog.regprocedure));
  IF v_triggers IS NOT NULL THEN
    RAISE EXCEPTION 'table % still has its capture triggers (%)', _unregister_tracked_table.tbl, v_triggers
      USING ERRCODE = 'EL044',
            HINT = 'Call untrack_table, which drops them and then unregisters the table.';
  END IF;
  DELETE FROM eventlog.tracked_tables AS t WHERE t.tbl = _unregister_tracked_table.tbl;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._unregister_tracked_table(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog._unregister_tracked_table(regclass) TO eventlog_admin;

COMMENT ON FUNCTION eventlog._unregister_tracked_table(regclass) IS
  'Removes a table the caller owns from tracked_tables.';

-- track_table runs with the caller's rights: adding the revision column and the triggers needs the
-- table's owner (or a member of the owning role), who must also be a member of eventlog_admin.
CREATE FUNCTION eventlog.track_table(
  tbl regclass,
  revision_column name DEFAULT 'revision',
  backfill boolean DEFAULT true
)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_keys name[];
  v_reg eventlog.tracked_tables;
  v_args text;
  v_count bigint := 0;
  v_bad record;
  v_stray text;
BEGIN
  IF track_table.tbl IS NULL THEN
    RAISE EXCEPTION 'tbl must not be NULL'
      USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass the table to track, e.g. ''public.orders''.';
  END IF;
  IF track_table.revision_column IS NULL THEN
    RAISE EXCEPTION 'revision_column must not be NULL'
      USING ERRCODE = 'null_value_not_allowed', HINT = 'Leave it out for a column named revision.';
  END IF;
  IF track_table.revision_column = '' THEN
    RAISE EXCEPTION 'revision_column must not be empty'
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Leave it out for a column named revision.';
  END IF;
  IF track_table.backfill IS NULL THEN
    RAISE EXCEPTION 'backfill must not be NULL'
      USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass true to log every existing row, false to start empty.';
  END IF;

  v_keys := eventlog._check_trackable(track_table.tbl, track_table.revision_column);
  IF EXISTS (SELECT 1 FROM eventlog.tracked_tables AS t WHERE t.tbl = track_table.tbl
             AND EXISTS (SELECT 1 FROM pg_catalog.pg_trigger AS g
                         WHERE g.tgrelid = t.tbl AND g.tgname = '_100_capture_update')) THEN
    RAISE EXCEPTION 'table % is already tracked', track_table.tbl
      USING ERRCODE = 'EL041',
            HINT = 'Call untrack_table first to track it with other settings.';
  END IF;
  -- Capture triggers (ours by name, or any running a capture trigger function) without the
  -- registration that goes with them (made by hand, or some of a tracked table's dropped): refused here, before the column, the registration or the backfill
  -- is written, not by the stray triggers or CREATE TRIGGER afterwards.
  SELECT pg_catalog.string_agg(pg_catalog.quote_ident(g.tgname), ', ' ORDER BY g.tgname) INTO v_stray
  FROM pg_catalog.pg_trigger AS g
  WHERE g.tgrelid = track_table.tbl
    AND (g.tgname LIKE '\_100\_capture\_%'
         OR g.tgfoid IN ('eventlog.tg_tracked__set_revision()'::pg_catalog.regprocedure,
                         'eventlog.tg_tracked__log_changes()'::pg_catalog.regprocedure,
                         'eventlog.tg_tracked__refuse_truncate()'::pg_catalog.regprocedure));
  IF v_stray IS NOT NULL THEN
    RAISE EXCEPTION 'table % has capture triggers (%) but is not tracked by track_table', track_table.tbl, v_stray
      USING ERRCODE = 'EL044',
            DETAIL = 'Capture triggers are created and dropped together by track_table and untrack_table; these are left over or made by hand.',
            HINT = 'Call untrack_table when the table is in eventlog.tracked_tables, else drop them (DROP TRIGGER name ON table); then call track_table again.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class AS c
                 WHERE c.oid = track_table.tbl AND pg_catalog.pg_has_role(c.relowner, 'USAGE')) THEN
    RAISE EXCEPTION 'must be the owner of table % to track it', track_table.tbl
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'track_table adds a column and triggers to the table: call it as the table''s owner (a member of eventlog_admin).';
  END IF;

  -- Writers wait until tracking is in place; readers of the table go on.
  EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', track_table.tbl);
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute AS a
                 WHERE a.attrelid = track_table.tbl AND a.attname = track_table.revision_column
                   AND a.attnum > 0 AND NOT a.attisdropped) THEN
    EXECUTE pg_catalog.format('ALTER TABLE %s ADD COLUMN %I integer', track_table.tbl, track_table.revision_column);
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', track_table.tbl, track_table.revision_column,
      'Revision of the row: its stream version in the pg-eventlog log (track_table).');
  END IF;
  v_reg := eventlog._register_tracked_table(track_table.tbl, track_table.revision_column);

  IF track_table.backfill THEN
    -- Every row's snapshot, with the revision its stream's next version will be (1 unless the
    -- table was tracked before); then the check that the log agreed, and the column set to it.
    EXECUTE pg_catalog.format($q$
      WITH snap AS (
        SELECT r.row_data, r.stream, coalesce(s.version, 0) + 1 AS revision
        FROM (SELECT pg_catalog.to_jsonb(t) AS row_data, $1 || eventlog._capture_key(pg_catalog.to_jsonb(t), $2) AS stream
              FROM %s AS t) AS r
        LEFT JOIN eventlog.streams AS s ON s.stream = r.stream
      ),
      appended AS (
        INSERT INTO eventlog.events (event_type, stream, payload, metadata)
        SELECT 'insert', snap.stream, snap.row_data || pg_catalog.jsonb_build_object($3::text, snap.revision),
          pg_catalog.jsonb_build_object('table', $4, 'backfill', true)
        FROM snap
        ORDER BY snap.stream
        RETURNING stream, version, payload
      )
      SELECT pg_catalog.count(*) AS n,
        pg_catalog.min(a.stream) FILTER (WHERE (a.payload -> $3::text) IS DISTINCT FROM pg_catalog.to_jsonb(a.version)) AS bad_stream
      FROM appended AS a$q$, track_table.tbl)
      INTO v_bad
      USING v_reg.stream_prefix, v_keys, track_table.revision_column, track_table.tbl::text;
    IF v_bad.bad_stream IS NOT NULL THEN
      RAISE EXCEPTION 'stream % was appended to while % was being tracked', pg_catalog.quote_literal(v_bad.bad_stream), track_table.tbl
        USING ERRCODE = 'serialization_failure', HINT = 'Retry track_table.';
    END IF;
    v_count := v_bad.n;
    -- Rows whose column does not hold that revision yet. None when the column was just added and the
    -- streams are new, so the UPDATE (and the table's own UPDATE triggers) runs only when needed.
    EXECUTE pg_catalog.format($q$
      UPDATE %1$s AS t SET %2$I = s.version
      FROM eventlog.streams AS s
      WHERE s.stream = $1 || eventlog._capture_key(pg_catalog.to_jsonb(t), $2)
        AND t.%2$I IS DISTINCT FROM s.version$q$, track_table.tbl, track_table.revision_column)
      USING v_reg.stream_prefix, v_keys;
  END IF;

  v_args := pg_catalog.array_to_string(ARRAY(
    SELECT pg_catalog.quote_literal(a) FROM pg_catalog.unnest(ARRAY[v_reg.stream_prefix, track_table.revision_column::text] || v_keys::text[]) AS a
  ), ', ');
  EXECUTE pg_catalog.format('CREATE TRIGGER _100_capture_revision BEFORE INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION eventlog.tg_tracked__set_revision(%s)', track_table.tbl, v_args);
  EXECUTE pg_catalog.format('CREATE TRIGGER _100_capture_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION eventlog.tg_tracked__log_changes(%s)', track_table.tbl, v_args);
  EXECUTE pg_catalog.format('CREATE TRIGGER _100_capture_update AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION eventlog.tg_tracked__log_changes(%s)', track_table.tbl, v_args);
  EXECUTE pg_catalog.format('CREATE TRIGGER _100_capture_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION eventlog.tg_tracked__log_changes(%s)', track_table.tbl, v_args);
  EXECUTE pg_catalog.format('CREATE TRIGGER _100_capture_truncate BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION eventlog.tg_tracked__refuse_truncate()', track_table.tbl);
  RETURN v_count;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.track_table(regclass, name, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.track_table(regclass, name, boolean) TO eventlog_admin;

COMMENT ON FUNCTION eventlog.track_table(regclass, name, boolean) IS
  'Starts change capture for a table: its inserts, updates and deletes append events; returns the number of rows backfilled.';

CREATE FUNCTION eventlog.untrack_table(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_trigger text;
BEGIN
  IF untrack_table.tbl IS NULL THEN
    RAISE EXCEPTION 'tbl must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM eventlog.tracked_tables AS t WHERE t.tbl = untrack_table.tbl) THEN
    RAISE EXCEPTION 'table % is not tracked', untrack_table.tbl
      USING ERRCODE = 'EL042',
            HINT = 'eventlog.tracked_tables lists the tracked tables.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class AS c
                 WHERE c.oid = untrack_table.tbl AND pg_catalog.pg_has_role(c.relowner, 'USAGE')) THEN
    RAISE EXCEPTION 'must be the owner of table % to untrack it', untrack_table.tbl
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  FOREACH v_trigger IN ARRAY ARRAY['_100_capture_revision', '_100_capture_insert', '_100_capture_update',
                                   '_100_capture_delete', '_100_capture_truncate'] LOOP
    EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', v_trigger, untrack_table.tbl);
  END LOOP;
  PERFORM eventlog._unregister_tracked_table(untrack_table.tbl);
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.untrack_table(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.untrack_table(regclass) TO eventlog_admin;

COMMENT ON FUNCTION eventlog.untrack_table(regclass) IS
  'Stops change capture for a table: removes its capture triggers, keeps its events and its revision column.';
