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
-- Called by writers only when verified_start differs from this postmaster's start time, i.e. once
-- after every restart, restore or upgrade.
CREATE FUNCTION eventlog._verify_clock()
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_system_identifier bigint := (pg_catalog.pg_control_system()).system_identifier;
  v_clock eventlog.clock;
  v_max_tx_order bigint;
  v_offset bigint;
BEGIN
  SELECT * INTO STRICT v_clock FROM eventlog.clock;
  IF v_clock.system_identifier = v_system_identifier THEN
    -- Same cluster, restarted. Record it if nobody else is doing so; never wait for it.
    PERFORM 1 FROM eventlog.clock FOR UPDATE SKIP LOCKED;
    IF FOUND THEN
      UPDATE eventlog.clock SET verified_start = pg_catalog.pg_postmaster_start_time();
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
      verified_start = pg_catalog.pg_postmaster_start_time();
  RETURN v_offset;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._verify_clock() FROM PUBLIC;

COMMENT ON FUNCTION eventlog._verify_clock() IS
  'The log clock offset for this cluster, moved forward after a restore or upgrade into a new cluster.';

-- tx_order for the current transaction; assigns a transaction id if there is none yet.
CREATE FUNCTION eventlog._append_position()
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_xid bigint := pg_catalog.pg_current_xact_id()::text::bigint;
  v_clock eventlog.clock;
BEGIN
  SELECT * INTO STRICT v_clock FROM eventlog.clock;
  IF v_clock.verified_start = pg_catalog.pg_postmaster_start_time() THEN
    RETURN v_xid + v_clock.xid_offset;
  END IF;
  RETURN v_xid + eventlog._verify_clock();
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._append_position() FROM PUBLIC;

COMMENT ON FUNCTION eventlog._append_position() IS
  'Log position (tx_order) of the current transaction.';

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
