-- The logical replication slots of this database and the WAL each one holds on the server. A slot
-- keeps every WAL segment from its restart_lsn on until its consumer confirms it has processed
-- them; a consumer that stopped (a Debezium connector deleted without its slot, a relay that no
-- longer runs) makes the server keep WAL until the disk is full. docs/kafka.md#slot-hygiene says
-- how to watch and how to drop a slot.
--
-- Every logical slot of the database is listed, not only those reading our publication: the slot
-- does not record which publication its consumer asks for, and any of them retains WAL.
-- pg_replication_slots and the WAL position functions are readable by every role, so this is a
-- plain view; on a hot standby it measures against the last WAL position received.
CREATE VIEW eventlog.replication_slots AS
  SELECT
    s.slot_name,
    s.plugin,
    s.active,
    s.active_pid,
    s.restart_lsn,
    s.confirmed_flush_lsn,
    pg_catalog.pg_wal_lsn_diff(w.lsn, s.restart_lsn)::bigint AS retained_wal_bytes,
    pg_catalog.pg_wal_lsn_diff(w.lsn, s.confirmed_flush_lsn)::bigint AS unconfirmed_wal_bytes,
    s.wal_status,
    s.safe_wal_size AS safe_wal_bytes
  FROM pg_catalog.pg_replication_slots AS s
  CROSS JOIN LATERAL (
    SELECT CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_receive_lsn()
                ELSE pg_catalog.pg_current_wal_lsn() END AS lsn
  ) AS w
  WHERE s.slot_type = 'logical'
    AND s.database = pg_catalog.current_database();

GRANT SELECT ON eventlog.replication_slots TO eventlog_reader, eventlog_admin;

COMMENT ON VIEW eventlog.replication_slots IS
  'The logical replication slots of this database and how much WAL each one keeps on the server.';
COMMENT ON COLUMN eventlog.replication_slots.slot_name IS
  'Name of the slot.';
COMMENT ON COLUMN eventlog.replication_slots.plugin IS
  'Output plug-in its consumer decodes with (pgoutput for Debezium and the relay, decoderbufs, ...).';
COMMENT ON COLUMN eventlog.replication_slots.active IS
  'True while a consumer is connected to the slot.';
COMMENT ON COLUMN eventlog.replication_slots.active_pid IS
  'Server process of the connected consumer, or NULL.';
COMMENT ON COLUMN eventlog.replication_slots.restart_lsn IS
  'Oldest WAL position the slot still needs; the server keeps WAL from here on.';
COMMENT ON COLUMN eventlog.replication_slots.confirmed_flush_lsn IS
  'Position up to which the consumer has confirmed it processed the changes; a restart resumes after it.';
COMMENT ON COLUMN eventlog.replication_slots.retained_wal_bytes IS
  'Bytes of WAL the server keeps for this slot (current WAL position minus restart_lsn).';
COMMENT ON COLUMN eventlog.replication_slots.unconfirmed_wal_bytes IS
  'Bytes of WAL written after confirmed_flush_lsn: what the consumer has not yet confirmed.';
COMMENT ON COLUMN eventlog.replication_slots.wal_status IS
  'reserved, extended, unreserved or lost (PostgreSQL''s wal_status; lost: the slot can no longer be used).';
COMMENT ON COLUMN eventlog.replication_slots.safe_wal_bytes IS
  'Bytes of WAL that can still be written before the slot is lost under max_slot_wal_keep_size; NULL when unlimited.';
