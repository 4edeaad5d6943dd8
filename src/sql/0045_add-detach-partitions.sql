-- Archiving old ranges (docs/partitions.md, "Archiving"). detach_partitions(before_etag) detaches
-- the closed range partitions below before_etag from the log; each stays a table of its own in
-- the schema (still refusing UPDATE, DELETE and TRUNCATE), to be dumped and dropped, or attached
-- again with reattach_partitions(). archived_ranges remembers what was taken out, so that a reader
-- positioned before or inside an archived range is told (EL051, naming the first etag still in
-- the log) instead of silently skipping it, or skips it when it asks to (eventlog.skip_archived).

CREATE TABLE eventlog.archived_ranges (
  from_etag bigint NOT NULL,
  to_etag bigint NOT NULL,
  partition_name text NOT NULL,
  max_tx_order bigint NOT NULL,
  detached_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT archived_ranges_pkey PRIMARY KEY (from_etag),
  CONSTRAINT archived_ranges_bounds CHECK (to_etag > from_etag)
);

GRANT SELECT ON eventlog.archived_ranges TO eventlog_reader, eventlog_admin;

COMMENT ON TABLE eventlog.archived_ranges IS
  'Etag ranges detached from the log by detach_partitions(), until reattach_partitions() brings them back.';
COMMENT ON COLUMN eventlog.archived_ranges.from_etag IS 'First etag of the range.';
COMMENT ON COLUMN eventlog.archived_ranges.to_etag IS 'First etag after the range.';
COMMENT ON COLUMN eventlog.archived_ranges.partition_name IS 'The detached table, in the log''s schema (it may have been dumped and dropped since).';
COMMENT ON COLUMN eventlog.archived_ranges.max_tx_order IS 'Highest log position of the range''s events: readers behind it are refused or skip.';
COMMENT ON COLUMN eventlog.archived_ranges.detached_at IS 'When the range was detached.';

-- The refusal for a read that would need archived events: after_etag (in_log: false, not in the
-- log) is inside an archived range, or the position after_tx_order (in_log: true) comes before
-- some archived event. Returns false when the read is not affected; true when it is and the
-- session asked to skip archived ranges (SET eventlog.skip_archived = on): the read then continues
-- with what the log still holds (from its beginning, for an etag inside an archived range).
-- Only reads this table, which is empty unless ranges were archived.
CREATE FUNCTION eventlog._check_archived(after_etag bigint, after_tx_order bigint, in_log boolean)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_range eventlog.archived_ranges;
  v_first bigint;
BEGIN
  IF _check_archived.in_log THEN
    -- The first archived range with an event after (after_tx_order, after_etag): defined with
    -- the named clients' answer, later.
    v_range := eventlog._archived_after(_check_archived.after_tx_order, _check_archived.after_etag);
  ELSE
    SELECT * INTO v_range FROM eventlog.archived_ranges AS a
    WHERE a.from_etag <= _check_archived.after_etag AND a.to_etag > _check_archived.after_etag;
  END IF;
  IF v_range IS NULL THEN
    RETURN false;
  END IF;
  IF COALESCE(pg_catalog.current_setting('eventlog.skip_archived', true), '') IN ('on', 'true', '1') THEN
    RETURN true;
  END IF;
  SELECT min(e.etag) INTO v_first FROM eventlog.events AS e;
  RAISE EXCEPTION '%, etags % to %, is archived; the first etag in the log is %',
      CASE WHEN _check_archived.in_log THEN pg_catalog.format('an event after etag %s', _check_archived.after_etag)
           ELSE pg_catalog.format('etag %s', _check_archived.after_etag) END,
      v_range.from_etag, v_range.to_etag - 1, COALESCE(v_first::text, 'none (the log is empty)')
    USING ERRCODE = 'EL051',
          DETAIL = pg_catalog.format('The range was detached by detach_partitions() at %s into %s.', v_range.detached_at, v_range.partition_name),
          HINT = 'Attach it again with reattach_partitions(), or SET eventlog.skip_archived = on to continue with the events the log still holds.';
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._check_archived(bigint, bigint, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog._check_archived(bigint, bigint, boolean) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog._check_archived(bigint, bigint, boolean) IS
  'Internal: EL051 for a read after an etag in, or a position before, an archived range (unless eventlog.skip_archived is on).';

-- Restated from _position_of's migration in full, with one addition before its EL001: every reader
-- that maps an etag to its position (get_event, get_changes, seek_client) gives an etag of an
-- archived range the archived-range answer.
CREATE OR REPLACE FUNCTION eventlog._position_of(etag bigint, argument text DEFAULT 'after_etag')
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_tx_order bigint;
BEGIN
  IF _position_of.etag IS NULL THEN
    RAISE EXCEPTION '% must not be NULL', _position_of.argument
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass 0 to read from the beginning of the log.';
  END IF;
  IF _position_of.etag <= 0 THEN
    IF _position_of.etag = 0 THEN
      RETURN -1;
    END IF;
    RAISE EXCEPTION '% must not be negative, got %', _position_of.argument, _position_of.etag
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass 0 to read from the beginning of the log, or an etag the log returned.';
  END IF;

  SELECT e.tx_order INTO v_tx_order FROM eventlog.events AS e WHERE e.etag = _position_of.etag;
  IF FOUND THEN
    RETURN v_tx_order;
  END IF;
  SELECT r.tx_order INTO v_tx_order
  FROM (SELECT r.tx_order, r.last_etag
        FROM eventlog.removed_positions AS r
        WHERE r.first_etag <= _position_of.etag
        ORDER BY r.first_etag DESC
        LIMIT 1) AS r
  WHERE r.last_etag >= _position_of.etag;
  IF FOUND THEN
    RETURN v_tx_order;
  END IF;
  -- An etag of a range detach_partitions archived: EL051 naming the first etag in the log, or
  -- with eventlog.skip_archived on, the beginning of what the log still holds.
  IF eventlog._check_archived(_position_of.etag, NULL, false) THEN
    RETURN -1;
  END IF;
  RAISE EXCEPTION 'etag % is not in the log', _position_of.etag
    USING ERRCODE = 'EL001',
          HINT = 'Pass an etag that get_event or get_changes returned, or 0 for the beginning. Etags of rolled-back appends never enter the log.';
END;
$$;


COMMENT ON FUNCTION eventlog._position_of(bigint, text) IS
  'Internal: the tx_order an etag the log returned stands at (-1 for 0), also after its event was removed; EL051 inside an archived range; EL001 for any other etag.';

CREATE FUNCTION eventlog.detach_partitions(before_etag bigint)
RETURNS TABLE (partition_name text, from_etag bigint, to_etag bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_part record;
  v_range eventlog.partition_ranges;
BEGIN
  IF detach_partitions.before_etag IS NULL THEN
    RAISE EXCEPTION 'before_etag must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass the etag below which whole partitions are archived.';
  END IF;
  IF detach_partitions.before_etag < 0 THEN
    RAISE EXCEPTION 'before_etag must not be negative, got %', detach_partitions.before_etag
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass the etag below which whole partitions are archived.';
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('eventlog.ensure_partitions', 0));

  FOR v_part IN
    SELECT c.oid::regclass AS rel, c.relname::text AS name, b.lo, b.hi
    FROM pg_catalog.pg_inherits AS i
    JOIN pg_catalog.pg_class AS c ON c.oid = i.inhrelid
    CROSS JOIN LATERAL (
      SELECT (pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'FROM \(''?(-?\d+)''?\) TO \(''?(-?\d+)''?\)')) AS m
    ) AS x
    CROSS JOIN LATERAL (SELECT x.m[1]::bigint AS lo, x.m[2]::bigint AS hi) AS b
    WHERE i.inhparent = 'eventlog.events'::regclass AND x.m IS NOT NULL AND b.hi <= detach_partitions.before_etag
    ORDER BY b.lo
  LOOP
    -- Only a range nothing can be added to any more: closed by maintenance.
    SELECT * INTO v_range FROM eventlog.partition_ranges AS r
    WHERE r.from_etag <= v_part.lo AND r.to_etag >= v_part.hi AND r.max_tx_order_so_far IS NOT NULL;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'partition % (etags % to %) cannot be archived yet: its range is not closed', v_part.rel, v_part.lo, v_part.hi - 1
        USING ERRCODE = 'EL052',
              DETAIL = 'A range closes once every transaction that could still add to it has ended, at the next ensure_partitions() after that.',
              HINT = 'Run ensure_partitions() (maintenance) and try again, or archive less.';
    END IF;
    -- Recorded first: the DDL guard refuses a DETACH that leaves a table neither attached nor archived.
    INSERT INTO eventlog.archived_ranges (from_etag, to_etag, partition_name, max_tx_order)
    VALUES (v_part.lo, v_part.hi, v_part.name, v_range.max_tx_order);
    EXECUTE pg_catalog.format('ALTER TABLE eventlog.events DETACH PARTITION %s', v_part.rel);
    EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', v_part.rel,
      pg_catalog.format('Archived from eventlog.events by detach_partitions() at %s: etags %s to %s. Attach again with reattach_partitions().',
                        pg_catalog.now(), v_part.lo, v_part.hi - 1));
    partition_name := v_part.name;
    from_etag := v_part.lo;
    to_etag := v_part.hi;
    RETURN NEXT;
  END LOOP;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.detach_partitions(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.detach_partitions(bigint) TO eventlog_admin;

COMMENT ON FUNCTION eventlog.detach_partitions(bigint) IS
  'Archives the closed range partitions wholly below before_etag: detaches them from the log and records them in archived_ranges; returns them.';

CREATE FUNCTION eventlog.reattach_partitions()
RETURNS TABLE (partition_name text, from_etag bigint, to_etag bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_range eventlog.archived_ranges;
  v_rel regclass;
BEGIN
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('eventlog.ensure_partitions', 0));
  FOR v_range IN SELECT * FROM eventlog.archived_ranges AS a ORDER BY a.from_etag LOOP
    v_rel := pg_catalog.to_regclass(pg_catalog.format('eventlog.%I', v_range.partition_name));
    IF v_rel IS NULL THEN
      RAISE NOTICE 'archived range % to % not attached: table eventlog.% does not exist', v_range.from_etag, v_range.to_etag - 1, v_range.partition_name
        USING HINT = 'Restore it from its dump (pg_restore -t) first.';
      CONTINUE;
    END IF;
    EXECUTE pg_catalog.format('ALTER TABLE eventlog.events ATTACH PARTITION %s FOR VALUES FROM (%s) TO (%s)',
      v_rel, v_range.from_etag, v_range.to_etag);
    EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', v_rel,
      pg_catalog.format('Partition of eventlog.events: etags %s to %s.', v_range.from_etag, v_range.to_etag - 1));
    DELETE FROM eventlog.archived_ranges AS a WHERE a.from_etag = v_range.from_etag;
    partition_name := v_range.partition_name;
    from_etag := v_range.from_etag;
    to_etag := v_range.to_etag;
    RETURN NEXT;
  END LOOP;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.reattach_partitions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.reattach_partitions() TO eventlog_admin;

COMMENT ON FUNCTION eventlog.reattach_partitions() IS
  'Attaches every archived partition whose table exists (again) back to the log; returns those attached.';
