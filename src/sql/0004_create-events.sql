-- The log itself. Log order is (tx_order, etag): tx_order places a whole transaction,
-- etag places an event inside it. See docs/ordering.md for why etag alone cannot be the order.
-- Appends come through log_event and through plain INSERT and COPY; the defaults, the check and
-- the trigger that make every path equal are added with the INSERT path (0025). payload has no NOT
-- NULL here because that check refuses NULL with the same error as log_event (22004), and a NOT
-- NULL constraint would answer first with another (23502).
CREATE TABLE eventlog.events (
  etag bigint NOT NULL,
  tx_order bigint NOT NULL,
  ctime timestamptz NOT NULL DEFAULT pg_catalog.now(),
  event_type text NOT NULL DEFAULT 'event',
  stream text,
  version integer,
  payload jsonb,
  metadata jsonb NOT NULL DEFAULT '{}',
  CONSTRAINT events_pkey PRIMARY KEY (etag)
);

-- etag comes from this sequence, taken by the append check trigger (0025) after the trigger has
-- queued a stream append: an identity default would be taken before, and nextval() gives the
-- transaction an id when it writes the sequence to the WAL (every 33rd value), which would fix
-- the transaction's position too early. Writers may use the sequence (nextval from the trigger
-- runs with their rights); taking a value by hand only leaves a gap, and etags are not dense.
CREATE SEQUENCE eventlog.events_etag_seq AS bigint OWNED BY eventlog.events.etag;
GRANT USAGE ON SEQUENCE eventlog.events_etag_seq TO eventlog_writer, eventlog_admin;

COMMENT ON SEQUENCE eventlog.events_etag_seq IS
  'Source of etags; the append check trigger takes the next value for every new event.';

-- Not UNIQUE: etag already is, and a unique index would search for duplicates on every insert.
CREATE INDEX events_log_order_idx ON eventlog.events (tx_order, etag) WITH (deduplicate_items = off);
CREATE UNIQUE INDEX events_stream_version_idx ON eventlog.events (stream, version)
  WHERE stream IS NOT NULL;

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
