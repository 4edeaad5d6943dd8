-- Whether this session is restoring a dump (pg_restore, or psql -f of pg_dump's plain output):
-- a superuser session (the user it logged in as, and the current one) with check_function_bodies
-- off, which every pg_dump output sets at its start. A plain restore of an extension install
-- writes its rows into tables CREATE EXTENSION made with their triggers, and attaches its range
-- partitions while the DDL guard is on; these are the places that let such a session through:
-- the append check accepts an event that brings its etag, position and version (0025), the
-- singleton tables take the dumped row in place of the one the install wrote (clock,
-- compaction_progress, partition_settings), and the DDL guard stands aside (0026). Nothing here
-- is open to a role that is not a superuser, which could already disable those triggers and the
-- event trigger: setting check_function_bodies is allowed to every role, logging in as a
-- superuser is not (docs/install.md#dump-and-restore).
CREATE FUNCTION eventlog._restoring()
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
RETURN pg_catalog.current_setting('check_function_bodies') = 'off'
   AND COALESCE((SELECT r.rolsuper FROM pg_catalog.pg_roles AS r WHERE r.rolname = SESSION_USER), false)
   AND COALESCE((SELECT r.rolsuper FROM pg_catalog.pg_roles AS r WHERE r.rolname = CURRENT_USER), false);

REVOKE EXECUTE ON FUNCTION eventlog._restoring() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog._restoring() TO eventlog_writer, eventlog_admin;

COMMENT ON FUNCTION eventlog._restoring() IS
  'Internal: true in a superuser session with check_function_bodies off, as pg_dump output sets it: a restore, whose dumped rows the log''s triggers accept.';

-- The log itself. Log order is (tx_order, etag): tx_order places a whole transaction,
-- etag places an event inside it. See docs/ordering.md for why etag alone cannot be the order.
-- Appends come through log_event and through plain INSERT and COPY; the defaults, the check and
-- the trigger that make every path equal are added with the INSERT path (0025). payload has no NOT
-- NULL here because that check refuses NULL with the same error as log_event (22004), and a NOT
-- NULL constraint would answer first with another (23502).
--
-- Partitioned by etag range (docs/partitions.md): range partitions of _partition_size() etags,
-- aligned to multiples of it, created ahead of the writers by ensure_partitions(), and a default
-- partition for any etag whose range partition does not exist, so that an append never fails
-- because maintenance has not run.
--
-- The primary key (etag) and the log order index (tx_order, etag) are each partition's own, made
-- with it (_guard_partition(), 0005), not the log's: etags are unique across the log because every
-- partition's are and the ranges do not overlap, and a read of the log uses each partition's
-- indexes as it would a partitioned index's. A partitioned index would break a plain pg_restore of
-- an extension install (docs/install.md#dump-and-restore): CREATE EXTENSION makes the log with it,
-- so attaching a dumped range partition in pre-data builds the partition's index, and post-data
-- then adds the dumped one a second time (42P16, multiple primary keys).
CREATE TABLE eventlog.events (
  etag bigint NOT NULL,
  tx_order bigint NOT NULL,
  ctime timestamptz NOT NULL DEFAULT pg_catalog.now(),
  event_type text NOT NULL DEFAULT 'event',
  stream text,
  version integer,
  payload jsonb,
  metadata jsonb NOT NULL DEFAULT '{}'
) PARTITION BY RANGE (etag);

-- etag comes from this sequence, taken by the append check trigger (0025) after the trigger has
-- queued a stream append: an identity default would be taken before, and nextval() gives the
-- transaction an id when it writes the sequence to the WAL (every 33rd value), which would fix
-- the transaction's position too early. Writers may use the sequence (nextval from the trigger
-- runs with their rights); taking a value by hand only leaves a gap, and etags are not dense.
CREATE SEQUENCE eventlog.events_etag_seq AS bigint OWNED BY eventlog.events.etag;
GRANT USAGE ON SEQUENCE eventlog.events_etag_seq TO eventlog_writer, eventlog_admin;

COMMENT ON SEQUENCE eventlog.events_etag_seq IS
  'Source of etags; the append check trigger takes the next value for every new event.';

-- The size of every range partition, in etags. A SQL-standard body holding the size as a
-- constant, without SET search_path (a function with SET clauses is never inlined), so that the
-- planner inlines it into the column default below and the append check trigger; the only name in
-- it is a type, qualified. set_partition_size() writes it again (while no range partition holds
-- an event), and records the size in partition_settings below, which pg_dump dumps also for an
-- extension install (whose member function it does not). Changing it invalidates the plans it was
-- inlined into.
CREATE FUNCTION eventlog._partition_size()
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 10000000::pg_catalog.int8;

REVOKE EXECUTE ON FUNCTION eventlog._partition_size() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog._partition_size() TO eventlog_writer, eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog._partition_size() IS
  'Etags per range partition of eventlog.events (default 10,000,000); inlined into appends, rewritten by set_partition_size().';

-- The partition size as data: set_partition_size() writes it here and into _partition_size().
-- pg_dump dumps this table's row (a configuration table of the extension, for an extension
-- install); a restore that brings it back writes _partition_size() again (the restore trigger
-- below), since pg_dump does not dump the body of an extension's member function.
CREATE TABLE eventlog.partition_settings (
  singleton boolean NOT NULL DEFAULT true,
  partition_size bigint NOT NULL,
  CONSTRAINT partition_settings_pkey PRIMARY KEY (singleton),
  CONSTRAINT partition_settings_singleton CHECK (singleton),
  CONSTRAINT partition_settings_size CHECK (partition_size BETWEEN 16 AND 1000000000000)
);

INSERT INTO eventlog.partition_settings (partition_size) VALUES (eventlog._partition_size());

GRANT SELECT ON eventlog.partition_settings TO eventlog_reader, eventlog_admin;

COMMENT ON TABLE eventlog.partition_settings IS
  'One row: the etags per range partition of eventlog.events, as set_partition_size() set it (dumped; _partition_size() holds it for appends).';
COMMENT ON COLUMN eventlog.partition_settings.singleton IS
  'Always true: the table has one row.';
COMMENT ON COLUMN eventlog.partition_settings.partition_size IS
  'Etags per range partition; equal to _partition_size().';

-- Writes _partition_size() with the given size (set_partition_size(), and a restore).
CREATE FUNCTION eventlog._write_partition_size(size bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  EXECUTE pg_catalog.format(
    'CREATE OR REPLACE FUNCTION eventlog._partition_size() RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN %s::pg_catalog.int8',
    _write_partition_size.size);
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog._write_partition_size(bigint) FROM PUBLIC;

COMMENT ON FUNCTION eventlog._write_partition_size(bigint) IS
  'Internal: rewrites _partition_size() to return the given size.';

-- A restore brings the dumped row. Into an extension install, CREATE EXTENSION has written the
-- default row already: the dumped one replaces it, and _partition_size() follows. (A CLI or bundle
-- install's dump makes this trigger after its rows, and has the function's body.) Outside a
-- restore a second row is refused by the primary key, as before.
CREATE FUNCTION eventlog.tg_partition_settings__restore()
RETURNS trigger
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF eventlog._restoring() THEN
    DELETE FROM eventlog.partition_settings;
    PERFORM eventlog._write_partition_size(NEW.partition_size);
  END IF;
  RETURN NEW;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.tg_partition_settings__restore() FROM PUBLIC;

COMMENT ON FUNCTION eventlog.tg_partition_settings__restore() IS
  'Trigger function: in a restore, the dumped partition size replaces the installed one, in the table and in _partition_size().';

CREATE TRIGGER _100_restore
  BEFORE INSERT ON eventlog.partition_settings
  FOR EACH ROW EXECUTE FUNCTION eventlog.tg_partition_settings__restore();

ALTER TABLE eventlog.partition_settings ENABLE ALWAYS TRIGGER _100_restore;

-- The etag that routes a new event to its partition, before the append check trigger gives it its
-- real etag: PostgreSQL routes a row before the partition's BEFORE ROW triggers run, and a
-- trigger may not move it to another partition. It only reads the sequence (no nextval(): that
-- can give the transaction its id, and a stream append must take its id only after it queued on
-- the stream, docs/partitions.md) and names the last etag of the range the next value falls in,
-- or of the next range when the next value is within least(size / 8, 10000) of its end (the
-- trigger then skips to it): the range of next value + that margin, so the sequence is read once. Every guess has the form lo + size - 1; the trigger refuses any other
-- given etag. Inlined into the default like _partition_size(), for the same reason without SET
-- search_path, every name qualified.
CREATE FUNCTION eventlog._etag_guess()
RETURNS bigint
LANGUAGE sql VOLATILE
RETURN ((COALESCE(pg_catalog.pg_sequence_last_value('eventlog.events_etag_seq'::pg_catalog.regclass), 0::pg_catalog.int8)
          OPERATOR(pg_catalog.+) 1::pg_catalog.int8
          OPERATOR(pg_catalog.+) LEAST(eventlog._partition_size() OPERATOR(pg_catalog./) 8::pg_catalog.int8, 10000::pg_catalog.int8))
         OPERATOR(pg_catalog./) eventlog._partition_size() OPERATOR(pg_catalog.+) 1::pg_catalog.int8)
       OPERATOR(pg_catalog.*) eventlog._partition_size() OPERATOR(pg_catalog.-) 1::pg_catalog.int8;

REVOKE EXECUTE ON FUNCTION eventlog._etag_guess() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog._etag_guess() TO eventlog_writer, eventlog_admin;

COMMENT ON FUNCTION eventlog._etag_guess() IS
  'The etag that routes a new event to its range partition; the append check trigger replaces it with the real one.';

ALTER TABLE eventlog.events ALTER COLUMN etag SET DEFAULT eventlog._etag_guess();

-- The partition for every etag without a range partition. A unique index on a partitioned table
-- must contain the partition key, so (stream, version) is unique per partition, not across them:
-- versions are assigned under the stream's row lock (the stream version trigger, 0025), which is
-- what keeps them unique; the index is the backstop inside one partition (docs/partitions.md).
CREATE TABLE eventlog.events_default PARTITION OF eventlog.events DEFAULT;
-- Its primary key and log order index, as _guard_partition() (0005) gives every range partition.
-- The log order index is not UNIQUE: etag already is, and a unique index would search for
-- duplicates on every insert.
ALTER TABLE eventlog.events_default ADD CONSTRAINT events_default_pkey PRIMARY KEY (etag);
CREATE INDEX events_default_tx_order_etag_idx ON eventlog.events_default (tx_order, etag) WITH (deduplicate_items = off);
CREATE UNIQUE INDEX events_default_stream_version_idx ON eventlog.events_default (stream, version)
  WHERE stream IS NOT NULL;

COMMENT ON TABLE eventlog.events_default IS
  'Partition of eventlog.events for events whose range partition does not exist (maintenance did not run); normally empty.';

GRANT SELECT ON eventlog.events TO eventlog_reader, eventlog_admin;

COMMENT ON TABLE eventlog.events IS
  'The append-only event log: one row per event, read in (tx_order, etag) order.';
COMMENT ON COLUMN eventlog.events.etag IS
  'Unique event id, never reused; increases within a transaction.';
COMMENT ON COLUMN eventlog.events.tx_order IS
  'Position of the writing transaction in the log (its transaction id plus the log clock offset).';
COMMENT ON COLUMN eventlog.events.ctime IS
  'Start time of the writing transaction.';
COMMENT ON COLUMN eventlog.events.event_type IS
  'Event type; ''event'' when the writer gave none.';
COMMENT ON COLUMN eventlog.events.stream IS
  'Stream the event belongs to, or NULL.';
COMMENT ON COLUMN eventlog.events.version IS
  'Position of the event within its stream, from 1; NULL without a stream.';
COMMENT ON COLUMN eventlog.events.payload IS
  'The event body, a JSON object.';
COMMENT ON COLUMN eventlog.events.metadata IS
  'Writer-supplied metadata, a JSON object.';
