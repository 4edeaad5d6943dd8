-- ensure_partitions(ahead) takes at most 100 partitions ahead, not 1,000. Each partition it makes
-- is a CREATE TABLE, an index, the guards and an ATTACH, about 50 ms on the test machine (100
-- ahead on a fresh install: 4.9 s), all in
-- one transaction that holds the maintenance lock (and, for ranges the writers could reach, a
-- lock on the log): ensure_partitions(1000) ran past a 30 s statement_timeout in the
-- generated-input test (test/reliability/generated-input.test.ts, with other seeds) and was
-- cancelled. 100 ahead is a billion etags at the default partition size, and maintenance runs
-- every few minutes; a larger value is refused at once (22023), before any lock is taken. The
-- rest is 0044's function, unchanged.
CREATE OR REPLACE FUNCTION eventlog.ensure_partitions(ahead integer DEFAULT 2)
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
  IF ensure_partitions.ahead < 0 OR ensure_partitions.ahead > 100 THEN
    RAISE EXCEPTION 'ahead must be between 0 and 100, got %', ensure_partitions.ahead
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
  'Creates the range partitions of eventlog.events for the current etag range and ahead (0 to 100) more, and closes passed ranges; returns the partitions it created.';
