-- A wait for the end of the readable log that holds no lock while it sleeps (docs/push.md).
-- wait_for_log_end() (0043) is a function: everything it runs belongs to the caller's statement,
-- so the AccessShareLock its first log_end() probe takes on eventlog.events and on every
-- partition (the default one included) is held until the statement ends, up to timeout_ms, and so
-- is the statement's snapshot. ALTER TABLE ... ATTACH PARTITION (ensure_partitions()) needs
-- ACCESS EXCLUSIVE on the default partition: it waited for the watcher's call to end, and every
-- reader of the log that came after it queued behind it meanwhile.
--
-- await_log_end() is a procedure: it COMMITs after each check, so a log_end() probe's locks end
-- at once and it holds none while it sleeps; a snapshot of it lasts one interval at most. As
-- before, it skips the probe while the oldest running transaction id has not moved. With
-- notify_channel it also sends the new end as a notification on that channel when it returns an
-- end other than after_etag, in its last transaction, which the CALL commits as it returns: the
-- watcher's wait and notification stay one round trip.
--
-- A procedure that COMMITs may have no SET clause and cannot be SECURITY DEFINER (PostgreSQL
-- refuses transaction control in either), so it pins no search_path: every name, type and
-- operator in it is qualified, and it runs with the caller's rights; the log itself is read by
-- log_end() (SECURITY DEFINER, pinned), as before.
-- CALL it at the top level: inside BEGIN ... COMMIT it cannot commit, so a call there that has to
-- wait fails with 2D000 (one that returns at its first check works anywhere).
CREATE PROCEDURE eventlog.await_log_end(
  INOUT log_end bigint,
  after_etag bigint,
  timeout_ms integer DEFAULT 1000,
  interval_ms integer DEFAULT 1,
  notify_channel text DEFAULT NULL
)
LANGUAGE plpgsql
AS $$
DECLARE
  v_deadline pg_catalog.timestamptz;
  v_end pg_catalog.int8;
  v_xmin pg_catalog.xid8;
  v_checked_xmin pg_catalog.xid8;
BEGIN
  IF await_log_end.after_etag IS NULL THEN
    RAISE EXCEPTION 'after_etag must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass the log end you last saw (log_end(), 0 for an empty log).';
  END IF;
  IF await_log_end.timeout_ms IS NULL OR await_log_end.interval_ms IS NULL THEN
    RAISE EXCEPTION '% must not be NULL', CASE WHEN await_log_end.timeout_ms IS NULL THEN 'timeout_ms' ELSE 'interval_ms' END
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Leave it out for the default (timeout_ms 1000, interval_ms 1).';
  END IF;
  IF await_log_end.timeout_ms OPERATOR(pg_catalog.<) 0 OR await_log_end.timeout_ms OPERATOR(pg_catalog.>) 60000 THEN
    RAISE EXCEPTION 'timeout_ms must be between 0 and 60000, got %', await_log_end.timeout_ms
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Wait at most a minute per call, and call again.';
  END IF;
  IF await_log_end.interval_ms OPERATOR(pg_catalog.<) 1 OR await_log_end.interval_ms OPERATOR(pg_catalog.>) 1000 THEN
    RAISE EXCEPTION 'interval_ms must be between 1 and 1000, got %', await_log_end.interval_ms
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Check at most every millisecond and at least every second.';
  END IF;
  IF await_log_end.notify_channel OPERATOR(pg_catalog.=) '' THEN
    RAISE EXCEPTION 'notify_channel must not be empty'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass NULL to send no notification, or a channel name such as eventlog_wake.';
  END IF;
  v_deadline := pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+)
                pg_catalog.make_interval(secs => await_log_end.timeout_ms OPERATOR(pg_catalog./) 1000.0);
  v_checked_xmin := NULL;
  LOOP
    -- Events only become readable when the horizon passes them, and the horizon is the oldest
    -- running transaction id plus the clock offset: while that id stays put, no transaction
    -- below it can finish, so the end cannot have moved and the probe is skipped. It moves with
    -- every finished writing transaction in the cluster, so a busy cluster pays the probe on
    -- every check.
    v_xmin := pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot());
    IF v_checked_xmin IS NULL OR v_xmin OPERATOR(pg_catalog.<>) v_checked_xmin THEN
      v_checked_xmin := v_xmin;
      v_end := eventlog.log_end();
    END IF;
    EXIT WHEN v_end OPERATOR(pg_catalog.<>) await_log_end.after_etag
           OR pg_catalog.clock_timestamp() OPERATOR(pg_catalog.>=) v_deadline;
    -- The probe's locks (the log and every partition) end here, before the sleep; and so does
    -- the snapshot the procedure's statements keep until a COMMIT (a check without a probe
    -- commits too, a few microseconds, so that no snapshot outlives one interval). A call that
    -- returns at its first check never commits: the CALL's own end does.
    COMMIT;
    PERFORM pg_catalog.pg_sleep(await_log_end.interval_ms OPERATOR(pg_catalog./) 1000.0);
  END LOOP;
  IF await_log_end.notify_channel IS NOT NULL AND v_end OPERATOR(pg_catalog.<>) await_log_end.after_etag THEN
    PERFORM pg_catalog.pg_notify(await_log_end.notify_channel, v_end::pg_catalog.text);
  END IF;
  await_log_end.log_end := v_end;
END;
$$;

REVOKE EXECUTE ON PROCEDURE eventlog.await_log_end(bigint, bigint, integer, integer, text) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE eventlog.await_log_end(bigint, bigint, integer, integer, text) TO eventlog_reader, eventlog_admin;

COMMENT ON PROCEDURE eventlog.await_log_end(bigint, bigint, integer, integer, text) IS
  'Waits up to timeout_ms for the end of the readable log to differ from after_etag, committing after each check so that no lock is held while it sleeps; returns the log end in log_end, and notifies notify_channel of a new one.';
