-- The log clock maps this cluster's transaction ids onto log positions (tx_order = xid + xid_offset).
-- A restore into a fresh cluster, or pg_upgrade, brings back events whose positions came from
-- another cluster's transaction ids; the first append in the new cluster moves the offset so that
-- new positions come after every restored one. See docs/ordering.md.
CREATE TABLE eventlog.clock (
  singleton boolean NOT NULL DEFAULT true,
  system_identifier bigint NOT NULL,
  xid_offset bigint NOT NULL,
  verified_start timestamptz NOT NULL,
  CONSTRAINT clock_pkey PRIMARY KEY (singleton),
  CONSTRAINT clock_singleton CHECK (singleton),
  CONSTRAINT clock_xid_offset_not_negative CHECK (xid_offset >= 0)
);

INSERT INTO eventlog.clock (system_identifier, xid_offset, verified_start)
VALUES ((pg_catalog.pg_control_system()).system_identifier, 0, pg_catalog.pg_postmaster_start_time());

GRANT SELECT ON eventlog.clock TO eventlog_reader, eventlog_admin;

COMMENT ON TABLE eventlog.clock IS
  'One row: the cluster the log positions were last checked against, and the offset added to transaction ids.';
COMMENT ON COLUMN eventlog.clock.system_identifier IS
  'pg_control_system().system_identifier of the cluster that xid_offset is valid for.';
COMMENT ON COLUMN eventlog.clock.xid_offset IS
  'Added to a transaction id to give its tx_order.';
COMMENT ON COLUMN eventlog.clock.verified_start IS
  'Postmaster start time at which system_identifier was last confirmed; saves reading pg_control on every append.';

-- The offset for the cluster we run in, re-established if the clock row came from another cluster.
-- Reached from _clock_offset() only when the postmaster start time baked into it is not this
-- server's, i.e. once after every restart, restore or upgrade: it records the start time in the
-- clock row and writes the offset and the start time into _clock_offset() again, so that the
-- next appends take the fast path. SECURITY DEFINER: every appending role reaches it through the
-- append trigger, and only the owner may change the clock and the function.
CREATE FUNCTION eventlog._verify_clock()
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_system_identifier bigint := (pg_catalog.pg_control_system()).system_identifier;
  v_start timestamptz := pg_catalog.pg_postmaster_start_time();
  v_clock eventlog.clock;
  v_locked eventlog.clock;
  v_max_tx_order bigint;
  v_offset bigint;
BEGIN
  SELECT * INTO STRICT v_clock FROM eventlog.clock;
  IF v_clock.system_identifier = v_system_identifier THEN
    -- Same cluster, restarted. Record it if nobody else is doing so; never wait for it.
    SELECT * INTO v_locked FROM eventlog.clock FOR UPDATE SKIP LOCKED;
    IF FOUND AND v_locked.verified_start IS DISTINCT FROM v_start THEN
      UPDATE eventlog.clock SET verified_start = v_start;
      PERFORM eventlog._write_clock_offset(v_locked.xid_offset, v_start);
    END IF;
    RETURN v_clock.xid_offset;
  END IF;

  -- Another cluster's clock: every writer waits here once, the first one moves the offset.
  SELECT * INTO STRICT v_clock FROM eventlog.clock FOR UPDATE;
  IF v_clock.system_identifier = v_system_identifier THEN
    RETURN v_clock.xid_offset;
  END IF;

  -- Every transaction id from now on is at least the current snapshot's xmin, so positions
  -- xmin + offset and later land after everything already in the log.
  SELECT max(e.tx_order) INTO v_max_tx_order FROM eventlog.events AS e;
  v_offset := greatest(
    v_clock.xid_offset,
    coalesce(v_max_tx_order, 0) + 1 - pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text::bigint
  );
  UPDATE eventlog.clock
  SET system_identifier = v_system_identifier,
      xid_offset = v_offset,
      verified_start = v_start;
  PERFORM eventlog._write_clock_offset(v_offset, v_start);
  RETURN v_offset;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._verify_clock() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog._verify_clock() TO eventlog_writer, eventlog_admin;

COMMENT ON FUNCTION eventlog._verify_clock() IS
  'The log clock offset for this cluster, moved forward after a restore or upgrade into a new cluster.';

-- The log clock offset as an append sees it: tx_order = pg_current_xact_id() + _clock_offset().
-- Its body holds the offset and the server start time it was verified for as constants, so that
-- the planner inlines it into the append trigger's cached plan and an append pays one timestamp
-- comparison, no table access and no function call. The body is SQL-standard (RETURN ...), kept
-- as a parse tree, so inlining it where an expression is planned again (a replanned statement,
-- the append trigger's first call in a session) costs no parsing. _verify_clock() writes it
-- again after a restart, restore or upgrade (the constants are stale then, and the CASE falls
-- through to it).
-- It has no SET search_path, on purpose: a function with SET clauses is never inlined. It is not
-- SECURITY DEFINER, and its body is resolved when it is created (a SQL-standard body), with every
-- function, operator and type qualified, so the caller's search_path cannot change what it does.
CREATE FUNCTION eventlog._clock_offset()
RETURNS bigint
LANGUAGE sql VOLATILE
RETURN CASE WHEN pg_catalog.pg_postmaster_start_time() OPERATOR(pg_catalog.=) '-infinity'::pg_catalog.timestamptz
            THEN 0::pg_catalog.int8
            ELSE eventlog._verify_clock() END;

REVOKE EXECUTE ON FUNCTION eventlog._clock_offset() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog._clock_offset() TO eventlog_writer, eventlog_admin;

COMMENT ON FUNCTION eventlog._clock_offset() IS
  'The offset added to transaction ids for log positions; inlined into appends, rewritten by _verify_clock().';

-- Writes _clock_offset() with the given constants. Callers hold the clock row lock, so two
-- transactions never replace the function at once.
CREATE FUNCTION eventlog._write_clock_offset(xid_offset bigint, verified_start timestamptz)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  EXECUTE pg_catalog.format(
    $ddl$CREATE OR REPLACE FUNCTION eventlog._clock_offset()
RETURNS bigint
LANGUAGE sql VOLATILE
RETURN CASE WHEN pg_catalog.pg_postmaster_start_time() OPERATOR(pg_catalog.=) %L::pg_catalog.timestamptz
            THEN %s::pg_catalog.int8
            ELSE eventlog._verify_clock() END$ddl$,
    _write_clock_offset.verified_start, _write_clock_offset.xid_offset);
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._write_clock_offset(bigint, timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._write_clock_offset(bigint, timestamptz) IS
  'Rewrites _clock_offset() with the verified offset and server start time.';

SELECT eventlog._write_clock_offset(c.xid_offset, c.verified_start) FROM eventlog.clock AS c;

-- A restore brings the dumped clock row, the old cluster's: it must win, or appends after the
-- restore would be placed by this cluster's offset, before the restored log. Into an extension
-- install CREATE EXTENSION has written this cluster's row and _clock_offset() already, so the
-- dumped row replaces that row here, and _clock_offset() is written again with its constants: the
-- old cluster's start time, which is not this server's, so the next append goes to _verify_clock()
-- and moves the offset past every restored position (a restore into the same cluster keeps the
-- offset). A CLI or bundle install's dump makes this trigger after its rows, and brings the
-- function's body as dumped, with the same effect. Outside a restore a second row is refused by
-- the primary key, as before.
CREATE FUNCTION eventlog.tg_clock__restore()
RETURNS trigger
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF eventlog._restoring() THEN
    DELETE FROM eventlog.clock;
    PERFORM eventlog._write_clock_offset(NEW.xid_offset, NEW.verified_start);
  END IF;
  RETURN NEW;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.tg_clock__restore() FROM PUBLIC;

COMMENT ON FUNCTION eventlog.tg_clock__restore() IS
  'Trigger function: in a restore, the dumped clock row replaces the installed one, and the next append verifies it.';

CREATE TRIGGER _100_restore
  BEFORE INSERT ON eventlog.clock
  FOR EACH ROW EXECUTE FUNCTION eventlog.tg_clock__restore();

ALTER TABLE eventlog.clock ENABLE ALWAYS TRIGGER _100_restore;

-- Events with tx_order below the horizon belong to finished transactions, so no event can ever
-- appear below it again. NULL means no limit: the clock row came from another cluster and no
-- append has happened here yet, so every visible event was written by a finished transaction.
CREATE FUNCTION eventlog._read_horizon()
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_clock eventlog.clock;
BEGIN
  SELECT * INTO STRICT v_clock FROM eventlog.clock;
  IF v_clock.verified_start <> pg_catalog.pg_postmaster_start_time()
     AND v_clock.system_identifier <> (pg_catalog.pg_control_system()).system_identifier THEN
    RETURN NULL;
  END IF;
  RETURN pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text::bigint + v_clock.xid_offset;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._read_horizon() FROM PUBLIC;

COMMENT ON FUNCTION eventlog._read_horizon() IS
  'tx_order below which the log is complete and immutable for the current snapshot; NULL for no limit.';
