-- Range partitions ahead of the writers (docs/partitions.md). ensure_partitions() creates each one
-- as a plain table, gives it the guards and the per-partition version index, and attaches it:
-- ATTACH PARTITION takes SHARE UPDATE EXCLUSIVE on the log, so appends and reads go on, where
-- CREATE TABLE ... PARTITION OF would take ACCESS EXCLUSIVE and queue everyone behind the oldest
-- open writer. Attaching also locks and scans the default partition (it must hold no row of the
-- new range), which is empty while maintenance runs.

-- The name of the range partition that starts at lo: zero-padded, so names sort like ranges.
CREATE FUNCTION eventlog._partition_name(lo bigint)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
RETURN 'events_' || pg_catalog.lpad(lo::text, 19, '0');

REVOKE EXECUTE ON FUNCTION eventlog._partition_name(bigint) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._partition_name(bigint) IS
  'Internal: the name of the range partition of eventlog.events that starts at etag lo.';

-- The installer lists what its migrations created in installed_objects, and uninstall refuses to
-- drop anything else (docs/install.md). Partitions are made later, by maintenance: each one is
-- recorded with everything that depends on it (its indexes, triggers, constraints, row type).
-- Nothing to do without the table (an install that predates it).
CREATE FUNCTION eventlog._record_partition(part regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF pg_catalog.to_regclass('eventlog.installed_objects') IS NULL THEN
    RETURN;
  END IF;
  EXECUTE $q$
    WITH RECURSIVE closure (classid, objid, objsubid) AS (
      SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid, $1::pg_catalog.oid, 0
      UNION
      SELECT d.classid, d.objid, d.objsubid
      FROM closure AS c
      JOIN pg_catalog.pg_depend AS d
        ON d.refclassid = c.classid AND d.refobjid = c.objid AND (c.objsubid = 0 OR d.refobjsubid = c.objsubid)
    )
    INSERT INTO eventlog.installed_objects (object_name)
    SELECT pg_catalog.concat_ws(' ', i.type, i.identity)
    FROM closure AS c
    CROSS JOIN LATERAL pg_catalog.pg_identify_object(c.classid, c.objid, c.objsubid) AS i
    WHERE i.schema IS DISTINCT FROM 'pg_toast'
    ON CONFLICT DO NOTHING$q$
  USING _record_partition.part;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._record_partition(regclass) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._record_partition(regclass) IS
  'Internal: records a partition made by maintenance, and its parts, as created by pg-eventlog (uninstall drops them).';

-- What tail reads learn from maintenance (docs/partitions.md, "Tail reads do not touch old
-- partitions"). One row per etag range the sequence has passed. A range is closed once every
-- transaction that had an id when maintenance saw the sequence past its end has ended: every etag
-- in it was taken by a transaction that already had its id (a first write takes its id before
-- its etag, and an event routed to a range the sequence has passed is refused), so nothing can be
-- added to it any more. Then its highest tx_order is recorded, with the running maximum over it
-- and every range before it; ranges close in order.
CREATE TABLE eventlog.partition_ranges (
  from_etag bigint NOT NULL,
  to_etag bigint NOT NULL,
  passed_xmax bigint NOT NULL,
  max_tx_order bigint,
  max_tx_order_so_far bigint,
  CONSTRAINT partition_ranges_pkey PRIMARY KEY (from_etag),
  CONSTRAINT partition_ranges_bounds CHECK (to_etag > from_etag)
);

CREATE INDEX partition_ranges_open_idx ON eventlog.partition_ranges (from_etag) WHERE max_tx_order_so_far IS NULL;
CREATE INDEX partition_ranges_closed_idx ON eventlog.partition_ranges (max_tx_order_so_far, from_etag) WHERE max_tx_order_so_far IS NOT NULL;

GRANT SELECT ON eventlog.partition_ranges TO eventlog_reader, eventlog_admin;

COMMENT ON TABLE eventlog.partition_ranges IS
  'Etag ranges the sequence has passed, and once closed (nothing can be added any more) their highest tx_order: the bound that keeps tail reads out of old partitions.';
COMMENT ON COLUMN eventlog.partition_ranges.from_etag IS 'First etag of the range.';
COMMENT ON COLUMN eventlog.partition_ranges.to_etag IS 'First etag after the range.';
COMMENT ON COLUMN eventlog.partition_ranges.passed_xmax IS
  'pg_snapshot_xmax when maintenance saw the sequence past the range: the range closes when the oldest running transaction is at least this.';
COMMENT ON COLUMN eventlog.partition_ranges.max_tx_order IS
  'Highest tx_order of the range''s events once closed (-1: none); NULL while open.';
COMMENT ON COLUMN eventlog.partition_ranges.max_tx_order_so_far IS
  'Highest tx_order of this and every earlier range once closed; NULL while open.';

-- Records the ranges the sequence has passed and closes those that can be closed, in order.
-- Called by ensure_partitions().
CREATE FUNCTION eventlog._close_ranges()
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_size bigint := eventlog._partition_size();
  v_next bigint := COALESCE(pg_catalog.pg_sequence_last_value('eventlog.events_etag_seq'::pg_catalog.regclass), 0) + 1;
  v_snapshot pg_catalog.pg_snapshot := pg_catalog.pg_current_snapshot();
  v_from bigint;
  v_range eventlog.partition_ranges;
  v_so_far bigint;
  v_max bigint;
BEGIN
  SELECT COALESCE(max(r.to_etag), 0) INTO v_from FROM eventlog.partition_ranges AS r;
  -- Ranges end at multiples of the size; the first one may be shorter (a size set later).
  WHILE (v_from / v_size + 1) * v_size <= v_next - 1 LOOP
    INSERT INTO eventlog.partition_ranges (from_etag, to_etag, passed_xmax)
    VALUES (v_from, (v_from / v_size + 1) * v_size, pg_catalog.pg_snapshot_xmax(v_snapshot)::text::bigint);
    v_from := (v_from / v_size + 1) * v_size;
  END LOOP;

  SELECT COALESCE(max(r.max_tx_order_so_far), -1) INTO v_so_far FROM eventlog.partition_ranges AS r;
  FOR v_range IN
    SELECT * FROM eventlog.partition_ranges AS r WHERE r.max_tx_order_so_far IS NULL ORDER BY r.from_etag
  LOOP
    -- A passed_xmax beyond this cluster's next transaction id came from the cluster a dump was
    -- taken from: a restore brings only committed events, so the range is final.
    EXIT WHEN v_range.passed_xmax > pg_catalog.pg_snapshot_xmin(v_snapshot)::text::bigint
          AND v_range.passed_xmax <= pg_catalog.pg_snapshot_xmax(v_snapshot)::text::bigint;
    SELECT max(e.tx_order) INTO v_max FROM eventlog.events AS e
    WHERE e.etag >= v_range.from_etag AND e.etag < v_range.to_etag;
    v_so_far := greatest(v_so_far, COALESCE(v_max, -1));
    UPDATE eventlog.partition_ranges AS r
    SET max_tx_order = COALESCE(v_max, -1), max_tx_order_so_far = v_so_far
    WHERE r.from_etag = v_range.from_etag;
  END LOOP;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._close_ranges() FROM PUBLIC;

COMMENT ON FUNCTION eventlog._close_ranges() IS
  'Internal: records the etag ranges the sequence has passed and closes those no transaction can still add to.';

-- The lowest etag a read after position after_tx_order needs: the start of the first range that
-- is open or holds an event at or after that position. Everything below it is in closed ranges
-- whose events all come before the position, so a read adds etag >= this and runtime pruning
-- leaves their partitions out. Ranges close in etag order (_close_ranges), so the closed ones are
-- a prefix of the ranges and the first open one starts where the last closed one ends: the answer
-- is the first closed range whose running maximum reaches the position, else the end of the last
-- closed range, else 0. One statement (two probes of partition_ranges_closed_idx; the second
-- runs only when the first finds nothing). get_event(after_etag) and the client reads inline the
-- same statement (no function call on their fast path); keep them alike.
CREATE FUNCTION eventlog._etag_floor(after_tx_order bigint)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_floor bigint;
BEGIN
  SELECT f.etag INTO v_floor
  FROM ((SELECT r.from_etag AS etag FROM eventlog.partition_ranges AS r
         WHERE r.max_tx_order_so_far IS NOT NULL AND r.max_tx_order_so_far >= _etag_floor.after_tx_order
         ORDER BY r.max_tx_order_so_far, r.from_etag LIMIT 1)
        UNION ALL
        (SELECT r.to_etag FROM eventlog.partition_ranges AS r
         WHERE r.max_tx_order_so_far IS NOT NULL
         ORDER BY r.max_tx_order_so_far DESC, r.from_etag DESC LIMIT 1)
        LIMIT 1) AS f;
  RETURN COALESCE(v_floor, 0);
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._etag_floor(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog._etag_floor(bigint) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog._etag_floor(bigint) IS
  'Internal: the lowest etag a read after the position after_tx_order can need (closed ranges below it hold only earlier events).';

CREATE FUNCTION eventlog.ensure_partitions(ahead integer DEFAULT 2)
RETURNS TABLE (partition_name text, from_etag bigint, to_etag bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_size bigint := eventlog._partition_size();
  v_margin bigint := LEAST(eventlog._partition_size() / 8, 10000);
  v_next bigint;
  v_current bigint;
  v_block bigint;
  v_lo bigint;
  v_name text;
  v_table text;
  v_locked boolean;
  v_force_lock boolean := false;
  v_nearest_unlocked bigint;
  v_made text[];
  v_from bigint[];
BEGIN
  IF ensure_partitions.ahead IS NULL THEN
    RAISE EXCEPTION 'ahead must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass how many empty partitions to keep above the current one, e.g. 2.';
  END IF;
  IF ensure_partitions.ahead < 0 OR ensure_partitions.ahead > 1000 THEN
    RAISE EXCEPTION 'ahead must be between 0 and 1000, got %', ensure_partitions.ahead
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'A few partitions ahead are enough when maintenance runs every few minutes.';
  END IF;

  -- One maintenance run at a time; a second waits and then finds the partitions there.
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('eventlog.ensure_partitions', 0));

  -- A range writers may be routing to the default partition before this transaction commits must
  -- not be attached while they can: an INSERT looks the partitions up when it starts, and one that
  -- started before the ATTACH commits routes the range's rows to the default partition, whose new
  -- constraint then refuses them (23514, not retryable). So such a range is attached under
  -- SHARE ROW EXCLUSIVE on the log: new appends wait for this transaction, and it for the open
  -- ones (at most lock_timeout 2 s; then the range is left for the next run). A writer can route
  -- to a range once the next etag is within the guess's margin of it (docs/partitions.md); a range
  -- is attached without the lock only if it lies more than a whole range plus a cushion above
  -- that, judged from the sequence read just before its ATTACH. And if, when every range is made,
  -- the writers have come within reach of one attached without the lock, everything made is
  -- rolled back and made once more under the lock.
  LOOP
    v_locked := v_force_lock;
    v_nearest_unlocked := NULL;
    v_made := '{}';
    v_from := '{}';
    BEGIN
      IF v_force_lock THEN
        PERFORM pg_catalog.set_config('lock_timeout', '2s', true);
        LOCK TABLE eventlog.events IN SHARE ROW EXCLUSIVE MODE;
      END IF;
      v_next := COALESCE(pg_catalog.pg_sequence_last_value('eventlog.events_etag_seq'::pg_catalog.regclass), 0) + 1;
      v_current := v_next / v_size;
      v_block := v_current - 1;
      WHILE v_block < v_current + ensure_partitions.ahead LOOP
        v_block := v_block + 1;
        v_lo := v_block * v_size;
        v_name := eventlog._partition_name(v_lo);
        CONTINUE WHEN pg_catalog.to_regclass(pg_catalog.format('eventlog.%I', v_name)) IS NOT NULL;
        v_table := pg_catalog.format('eventlog.%I', v_name);
        IF NOT v_locked
           AND v_lo < COALESCE(pg_catalog.pg_sequence_last_value('eventlog.events_etag_seq'::pg_catalog.regclass), 0) + 1
                      + v_margin + v_size + LEAST(v_size, 100000) THEN
          -- After an ATTACH made without the lock this run holds the default partition, where
          -- writers may wait while they hold the log: waiting for the lock now would deadlock
          -- with them. Roll back and make the ranges again under the lock instead.
          IF v_nearest_unlocked IS NOT NULL THEN
            RAISE EXCEPTION 'writers reached range % while range % was attached without the lock', v_lo, v_nearest_unlocked
              USING ERRCODE = 'serialization_failure';
          END IF;
          -- Outside the per-range block below, so that the lock outlives a range that fails.
          BEGIN
            PERFORM pg_catalog.set_config('lock_timeout', '2s', true);
            LOCK TABLE eventlog.events IN SHARE ROW EXCLUSIVE MODE;
            v_locked := true;
          EXCEPTION WHEN lock_not_available THEN
            RAISE NOTICE 'range % to % not partitioned: %', v_lo, v_lo + v_size - 1, SQLERRM;
            CONTINUE;
          END;
        END IF;
        BEGIN
          EXECUTE pg_catalog.format('CREATE TABLE %s (LIKE eventlog.events)', v_table);
          EXECUTE pg_catalog.format(
            'CREATE UNIQUE INDEX %I ON %s (stream, version) WHERE stream IS NOT NULL', v_name || '_stream_version_idx', v_table);
          PERFORM eventlog._guard_partition(v_table::regclass);
          EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', v_table,
            pg_catalog.format('Partition of eventlog.events: etags %s to %s.', v_lo, v_lo + v_size - 1));
          EXECUTE pg_catalog.format('ALTER TABLE eventlog.events ATTACH PARTITION %s FOR VALUES FROM (%s) TO (%s)',
            v_table, v_lo, v_lo + v_size);
          PERFORM eventlog._record_partition(v_table::regclass);
        EXCEPTION
          -- The default partition holds events of this range (maintenance did not run in time) or
          -- a partition attached by hand overlaps it: the range stays where it is.
          WHEN check_violation OR invalid_object_definition OR lock_not_available THEN
            RAISE NOTICE 'range % to % not partitioned: %', v_lo, v_lo + v_size - 1, SQLERRM;
            CONTINUE;
        END;
        IF NOT v_locked THEN
          v_nearest_unlocked := LEAST(v_nearest_unlocked, v_lo);
        END IF;
        v_made := v_made || v_name;
        v_from := v_from || v_lo;
      END LOOP;
      IF v_nearest_unlocked IS NOT NULL
         AND v_nearest_unlocked < COALESCE(pg_catalog.pg_sequence_last_value('eventlog.events_etag_seq'::pg_catalog.regclass), 0) + 1
                                  + v_margin + v_size THEN
        RAISE EXCEPTION 'writers reached range % while it was attached without the lock', v_nearest_unlocked
          USING ERRCODE = 'serialization_failure';
      END IF;
      EXIT;
    EXCEPTION
      WHEN serialization_failure THEN
        IF v_force_lock THEN
          RAISE;
        END IF;
        RAISE NOTICE '%; making the ranges again under the lock', SQLERRM;
        v_force_lock := true;
      WHEN lock_not_available THEN
        -- Only the forced lock above gets here: the ranges are left for the next run.
        RAISE NOTICE 'no range partitioned: %', SQLERRM;
        v_made := '{}';
        EXIT;
    END;
  END LOOP;

  PERFORM eventlog._close_ranges();

  FOR i IN 1 .. pg_catalog.cardinality(v_made) LOOP
    partition_name := v_made[i];
    from_etag := v_from[i];
    to_etag := v_from[i] + v_size;
    RETURN NEXT;
  END LOOP;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.ensure_partitions(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.ensure_partitions(integer) TO eventlog_admin;

COMMENT ON FUNCTION eventlog.ensure_partitions(integer) IS
  'Creates the range partitions of eventlog.events for the current etag range and ahead more, and closes passed ranges; returns the partitions it created.';

-- The partition size is fixed once a range partition holds an event: the append path decides by
-- arithmetic in which partition an etag lies. Before that, empty range partitions are dropped and
-- made again in the new size.
CREATE FUNCTION eventlog.set_partition_size(size bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_part regclass;
  v_extension text;
BEGIN
  IF set_partition_size.size IS NULL OR set_partition_size.size < 16 OR set_partition_size.size > 1000000000000 THEN
    RAISE EXCEPTION 'size must be between 16 and 1000000000000 etags, got %', coalesce(set_partition_size.size::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'The default, 10000000, suits most logs (docs/partitions.md).';
  END IF;
  -- Already the size: nothing to change, also once range partitions hold events.
  IF set_partition_size.size = eventlog._partition_size() THEN
    RETURN set_partition_size.size;
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('eventlog.ensure_partitions', 0));
  LOCK TABLE eventlog.events IN SHARE ROW EXCLUSIVE MODE;
  IF EXISTS (SELECT 1 FROM eventlog.events AS e JOIN pg_catalog.pg_inherits AS i ON i.inhrelid = e.tableoid
             WHERE i.inhparent = 'eventlog.events'::regclass AND e.tableoid <> 'eventlog.events_default'::regclass) THEN
    RAISE EXCEPTION 'the partition size stays %: range partitions of eventlog.events hold events', eventlog._partition_size()
      USING ERRCODE = 'EL050',
            DETAIL = pg_catalog.format('Asked for %s.', set_partition_size.size),
            HINT = 'Set the partition size before the first events are appended.';
  END IF;
  -- Dropping a partition is DDL the guard refuses (EL057) unless sanctioned; these are empty.
  PERFORM eventlog._begin_sanctioned_change('DDL', 'set_partition_size');
  -- A partition that is a member of an extension (made by ensure_partitions() inside an
  -- extension script, as an install before this rule did) is released from it first: PostgreSQL
  -- refuses to drop a member, and the new ones are ordinary tables, as pg_dump needs them.
  FOR v_part, v_extension IN
    SELECT i.inhrelid::regclass, x.extname::text
    FROM pg_catalog.pg_inherits AS i
    LEFT JOIN pg_catalog.pg_depend AS d
      ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = i.inhrelid AND d.deptype = 'e'
     AND d.refclassid = 'pg_catalog.pg_extension'::regclass
    LEFT JOIN pg_catalog.pg_extension AS x ON x.oid = d.refobjid
    WHERE i.inhparent = 'eventlog.events'::regclass AND i.inhrelid <> 'eventlog.events_default'::regclass
  LOOP
    IF v_extension IS NOT NULL THEN
      EXECUTE pg_catalog.format('ALTER EXTENSION %I DROP TABLE %s', v_extension, v_part);
    END IF;
    EXECUTE pg_catalog.format('DROP TABLE %s', v_part);
  END LOOP;
  PERFORM eventlog._end_sanctioned_change('DDL');
  -- The size as data (dumped) and as the constant appends inline (0004).
  UPDATE eventlog.partition_settings SET partition_size = set_partition_size.size;
  PERFORM eventlog._write_partition_size(set_partition_size.size);
  PERFORM eventlog.ensure_partitions();
  RETURN set_partition_size.size;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.set_partition_size(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.set_partition_size(bigint) TO eventlog_admin;

COMMENT ON FUNCTION eventlog.set_partition_size(bigint) IS
  'Sets the etags per range partition of eventlog.events while no range partition holds an event; returns the size.';

-- The first range partitions, for the CLI's install and the bundle. Not inside CREATE EXTENSION or
-- ALTER EXTENSION UPDATE (eventlog.events is then a member of the extension): a table made there
-- would be a member too, which pg_dump dumps as CREATE EXTENSION only, so a range partition that
-- set_partition_size() or detach_partitions() changed later would come back from a restore as the
-- script made it. An extension install gets them from the first ensure_partitions() (maintenance,
-- docs/install.md#create-extension); until then appends go to the default partition.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_depend AS d
                 WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                   AND d.objid = 'eventlog.events'::pg_catalog.regclass AND d.deptype = 'e') THEN
    PERFORM eventlog.ensure_partitions();
  END IF;
END;
$$;
