-- compact: removes superseded revisions and old tombstones of tracked tables (SPEC §5, issue 11),
-- one bounded batch per call. See docs/capture.md, "Compaction".
--
-- Why one batch per call, not a loop inside: a transaction that deletes holds a transaction id
-- until it commits, and the read horizon (_read_horizon) stays below it, so every reader of the log would
-- wait for the whole compaction. Each call is its own short transaction (autocommit): it examines
-- the next max_rows events of the log in log order, from where the previous call stopped, and
-- removes those of them that qualify. The caller repeats it until it returns done; the next call
-- after that starts the next pass from the beginning of the log.
--
-- What qualifies, among events of tables in tracked_tables (stream starting with the table's
-- prefix, type insert, update or delete), below the read horizon:
--   a revision (insert, update) older than revisions_older_than that a later change of the same
--     row (a higher version in its stream, of one of those types) supersedes: the latest change
--     of every row always stays;
--   a tombstone (delete) older than tombstones_older_than (NULL: never), once no earlier insert
--     or update of its row is left (or is removed in the same call), so that removing it cannot
--     bring an older revision of a deleted row back. Earlier tombstones do not hold it back: they
--     say "deleted" too, and go in the same call when they qualify.
-- Removal goes through _remove_events: the positions stay, so every read that resumes
-- after a removed etag continues where it stood, and the append-only guard still refuses every
-- other DELETE. A call that removes anything appends a log_compacted audit event with the counts,
-- in the same transaction; its position is after every removed event, which the log clock needs
-- (_remove_events).
--
-- Concurrency: the DELETE touches only old rows that no writer changes; appends and readers do not
-- wait for it. Two compact calls at once queue on compaction_progress.
CREATE TABLE eventlog.compaction_progress (
  singleton boolean NOT NULL DEFAULT true,
  tx_order bigint NOT NULL DEFAULT -1,
  etag bigint NOT NULL DEFAULT 0,
  pass_started_at timestamptz,
  CONSTRAINT compaction_progress_pkey PRIMARY KEY (singleton),
  CONSTRAINT compaction_progress_singleton CHECK (singleton)
);

INSERT INTO eventlog.compaction_progress DEFAULT VALUES;

GRANT SELECT ON eventlog.compaction_progress TO eventlog_admin;

-- A restore into an extension install, where CREATE EXTENSION has written the row above: the
-- dumped row (where the last pass stood) replaces it. As for the clock (0006).
CREATE FUNCTION eventlog.tg_compaction_progress__restore()
RETURNS trigger
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF eventlog._restoring() THEN
    DELETE FROM eventlog.compaction_progress;
  END IF;
  RETURN NEW;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.tg_compaction_progress__restore() FROM PUBLIC;

COMMENT ON FUNCTION eventlog.tg_compaction_progress__restore() IS
  'Trigger function: in a restore, the dumped compaction progress replaces the installed row.';

CREATE TRIGGER _100_restore
  BEFORE INSERT ON eventlog.compaction_progress
  FOR EACH ROW EXECUTE FUNCTION eventlog.tg_compaction_progress__restore();

ALTER TABLE eventlog.compaction_progress ENABLE ALWAYS TRIGGER _100_restore;

COMMENT ON TABLE eventlog.compaction_progress IS
  'One row: how far the current compaction pass has examined the log.';
COMMENT ON COLUMN eventlog.compaction_progress.singleton IS
  'Always true: the table has one row.';
COMMENT ON COLUMN eventlog.compaction_progress.tx_order IS
  'tx_order of the last event the current pass examined; -1 before its first call.';
COMMENT ON COLUMN eventlog.compaction_progress.etag IS
  'etag of the last event the current pass examined; 0 before its first call.';
COMMENT ON COLUMN eventlog.compaction_progress.pass_started_at IS
  'When the current pass began; NULL before its first call.';

CREATE FUNCTION eventlog.compact(
  revisions_older_than interval,
  tombstones_older_than interval DEFAULT NULL,
  max_rows integer DEFAULT 10000
)
RETURNS TABLE (revisions_removed bigint, tombstones_removed bigint, events_examined bigint, done boolean, audit_etag bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_role text := pg_catalog.current_setting('role');
  v_progress eventlog.compaction_progress;
  v_horizon bigint;
  v_revision_cutoff timestamptz;
  v_tombstone_cutoff timestamptz;
  v_examined bigint;
  v_to_tx_order bigint;
  v_to_etag bigint;
  v_revisions bigint[];
  v_tombstones bigint[];
  v_removed bigint;
  v_tables jsonb;
  v_etag bigint;
BEGIN
  IF compact.revisions_older_than IS NULL THEN
    RAISE EXCEPTION 'revisions_older_than must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass an age such as interval ''7 days''; interval ''0'' removes every superseded revision.';
  END IF;
  IF compact.revisions_older_than < interval '0' THEN
    RAISE EXCEPTION 'revisions_older_than must not be negative, got %', compact.revisions_older_than
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass an age such as interval ''7 days''; interval ''0'' removes every superseded revision.';
  END IF;
  IF compact.tombstones_older_than < interval '0' THEN
    RAISE EXCEPTION 'tombstones_older_than must not be negative, got %', compact.tombstones_older_than
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass an age such as interval ''30 days'', or NULL to keep tombstones forever.';
  END IF;
  IF compact.max_rows IS NULL OR compact.max_rows < 1 OR compact.max_rows > 100000 THEN
    RAISE EXCEPTION 'max_rows must be between 1 and 100000, got %', coalesce(compact.max_rows::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Examine at most 100000 events per call, and call again until done.';
  END IF;

  -- An age past the range of timestamps (now() minus it before 4713 BC) is refused as an argument
  -- (22023), not with the arithmetic's 22008, and before the progress row is locked.
  BEGIN
    v_revision_cutoff := pg_catalog.now() - compact.revisions_older_than;
  EXCEPTION WHEN datetime_field_overflow THEN
    RAISE EXCEPTION 'revisions_older_than % reaches before the first timestamp (4713 BC)', compact.revisions_older_than
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass an age such as interval ''7 days''; interval ''0'' removes every superseded revision.';
  END;
  BEGIN
    v_tombstone_cutoff := pg_catalog.now() - compact.tombstones_older_than;
  EXCEPTION WHEN datetime_field_overflow THEN
    RAISE EXCEPTION 'tombstones_older_than % reaches before the first timestamp (4713 BC)', compact.tombstones_older_than
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass an age such as interval ''30 days'', or NULL to keep tombstones forever.';
  END;

  SELECT * INTO STRICT v_progress FROM eventlog.compaction_progress FOR UPDATE;
  IF v_progress.pass_started_at IS NULL THEN
    v_progress.pass_started_at := pg_catalog.now();
  END IF;
  v_horizon := coalesce(eventlog._read_horizon(), 9223372036854775807);

  -- The next max_rows events of the pass; which of them are changes of a tracked table; which of
  -- those are superseded revisions and removable tombstones.
  WITH batch AS MATERIALIZED (
    SELECT e.etag, e.tx_order, e.stream, e.version, e.event_type, e.ctime,
           (SELECT t.tbl FROM eventlog.tracked_tables AS t
            WHERE e.event_type IN ('insert', 'update', 'delete')
              AND pg_catalog.starts_with(e.stream, t.stream_prefix)
              AND EXISTS (SELECT 1 FROM pg_catalog.pg_class AS c WHERE c.oid = t.tbl)
            LIMIT 1) AS tbl
    FROM eventlog.events AS e
    WHERE (e.tx_order, e.etag) > (v_progress.tx_order, v_progress.etag)
      AND e.tx_order < v_horizon
    ORDER BY e.tx_order, e.etag
    LIMIT compact.max_rows
  ), revisions AS MATERIALIZED (
    SELECT b.etag, b.tbl
    FROM batch AS b
    WHERE b.tbl IS NOT NULL
      AND b.event_type IN ('insert', 'update')
      AND b.ctime < v_revision_cutoff
      AND EXISTS (SELECT 1 FROM eventlog.events AS n
                  WHERE n.stream = b.stream
                    AND n.version > b.version
                    AND n.event_type IN ('insert', 'update', 'delete'))
  ), tombstones AS MATERIALIZED (
    SELECT b.etag, b.tbl
    FROM batch AS b
    WHERE b.tbl IS NOT NULL
      AND b.event_type = 'delete'
      AND b.ctime < v_tombstone_cutoff
      AND NOT EXISTS (SELECT 1 FROM eventlog.events AS n
                      WHERE n.stream = b.stream
                        AND n.version < b.version
                        AND n.event_type IN ('insert', 'update')
                        AND NOT EXISTS (SELECT 1 FROM revisions AS r WHERE r.etag = n.etag))
  )
  SELECT (SELECT pg_catalog.count(*) FROM batch),
         l.tx_order, l.etag,
         (SELECT coalesce(pg_catalog.array_agg(r.etag), '{}') FROM revisions AS r),
         (SELECT coalesce(pg_catalog.array_agg(r.etag), '{}') FROM tombstones AS r),
         (SELECT pg_catalog.jsonb_object_agg(x.tbl, x.removed)
          FROM (SELECT u.tbl::text AS tbl, pg_catalog.count(*) AS removed
                FROM (SELECT r.tbl FROM revisions AS r UNION ALL SELECT r.tbl FROM tombstones AS r) AS u
                GROUP BY u.tbl) AS x)
  INTO v_examined, v_to_tx_order, v_to_etag, v_revisions, v_tombstones, v_tables
  FROM (SELECT NULL) AS one
  LEFT JOIN LATERAL (SELECT b.tx_order, b.etag FROM batch AS b ORDER BY b.tx_order DESC, b.etag DESC LIMIT 1) AS l ON true;

  IF v_examined < compact.max_rows THEN
    -- The pass has reached the read horizon: the next call starts again from the beginning.
    UPDATE eventlog.compaction_progress
    SET tx_order = -1, etag = 0, pass_started_at = NULL;
  ELSE
    UPDATE eventlog.compaction_progress
    SET tx_order = v_to_tx_order, etag = v_to_etag, pass_started_at = v_progress.pass_started_at;
  END IF;

  IF pg_catalog.cardinality(v_revisions) + pg_catalog.cardinality(v_tombstones) > 0 THEN
    v_removed := eventlog._remove_events(v_revisions || v_tombstones, 'compact');

    -- The audit event: who, when, the intervals and how many events of which tables.
    INSERT INTO eventlog.events (event_type, payload)
    VALUES ('log_compacted', pg_catalog.jsonb_build_object(
      'revisions_removed', pg_catalog.cardinality(v_revisions),
      'tombstones_removed', pg_catalog.cardinality(v_tombstones),
      'events_removed', v_removed,
      'tables', v_tables,
      'revisions_older_than', compact.revisions_older_than::text,
      'tombstones_older_than', compact.tombstones_older_than::text,
      'by', CASE WHEN v_role = 'none' THEN pg_catalog.session_user()::text ELSE v_role END,
      'session_user', pg_catalog.session_user()::text,
      'at', pg_catalog.clock_timestamp()))
    RETURNING etag INTO v_etag;
  END IF;

  RETURN QUERY SELECT pg_catalog.cardinality(v_revisions)::bigint, pg_catalog.cardinality(v_tombstones)::bigint,
    v_examined, v_examined < compact.max_rows, v_etag;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.compact(interval, interval, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.compact(interval, interval, integer) TO eventlog_admin;

COMMENT ON FUNCTION eventlog.compact(interval, interval, integer) IS
  'Removes superseded revisions and old tombstones of tracked tables among the next max_rows events of the log; call until done.';
