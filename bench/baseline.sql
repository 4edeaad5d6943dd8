-- The baselines pg-eventlog is measured against (make bench), in a schema of their own in the
-- bench's scratch database. Never a migration: nothing here is part of the product.
--
-- Each table has the shape of eventlog.events: the same columns, types and defaults, an identity
-- primary key on etag. Nothing else: no triggers, no CHECK constraints, no (tx_order, etag)
-- index, which is what makes a plain INSERT the ceiling (ordered_events below adds the index).
CREATE SCHEMA eventlog_bench;

-- Target of the plain-INSERT appends: the ceiling.
CREATE TABLE eventlog_bench.plain_events (
  etag bigint GENERATED ALWAYS AS IDENTITY,
  tx_order bigint,
  ctime timestamptz NOT NULL DEFAULT pg_catalog.now(),
  event_type text NOT NULL DEFAULT 'event',
  stream text,
  version integer,
  payload jsonb NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  CONSTRAINT plain_events_pkey PRIMARY KEY (etag)
);

-- The storage a gap-safe order needs, without the function around it: the plain table plus tx_order
-- taken from the writing transaction's id and the (tx_order, etag) index eventlog.events has. Not a
-- design anyone should ship (nothing checks the input or moves the clock after a restore); it tells
-- how much of log_event's distance to the ceiling is the order itself and how much the function call.
CREATE TABLE eventlog_bench.ordered_events (LIKE eventlog_bench.plain_events INCLUDING ALL);
ALTER TABLE eventlog_bench.ordered_events
  ALTER COLUMN tx_order SET DEFAULT pg_catalog.pg_current_xact_id()::text::bigint;
CREATE INDEX ordered_events_log_order_idx ON eventlog_bench.ordered_events (tx_order, etag)
  WITH (deduplicate_items = off);

-- The same storage partitioned by etag range as eventlog.events is (three ranges and a default
-- partition; an INSERT routes each row through them), still without triggers or checks: how much
-- of the distance to the ceiling the partitioned log's routing itself costs (docs/ordering.md).
CREATE SEQUENCE eventlog_bench.partitioned_events_etag_seq;
CREATE TABLE eventlog_bench.partitioned_events (
  etag bigint NOT NULL DEFAULT pg_catalog.nextval('eventlog_bench.partitioned_events_etag_seq'::pg_catalog.regclass),
  tx_order bigint DEFAULT pg_catalog.pg_current_xact_id()::text::bigint,
  ctime timestamptz NOT NULL DEFAULT pg_catalog.now(),
  event_type text NOT NULL DEFAULT 'event',
  stream text,
  version integer,
  payload jsonb NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  CONSTRAINT partitioned_events_pkey PRIMARY KEY (etag)
) PARTITION BY RANGE (etag);
CREATE INDEX partitioned_events_log_order_idx ON eventlog_bench.partitioned_events (tx_order, etag)
  WITH (deduplicate_items = off);
CREATE TABLE eventlog_bench.partitioned_events_0 PARTITION OF eventlog_bench.partitioned_events
  FOR VALUES FROM (MINVALUE) TO (1000000000);
CREATE TABLE eventlog_bench.partitioned_events_1 PARTITION OF eventlog_bench.partitioned_events
  FOR VALUES FROM (1000000000) TO (2000000000);
CREATE TABLE eventlog_bench.partitioned_events_2 PARTITION OF eventlog_bench.partitioned_events
  FOR VALUES FROM (2000000000) TO (3000000000);
CREATE TABLE eventlog_bench.partitioned_events_default PARTITION OF eventlog_bench.partitioned_events DEFAULT;

-- Target of the writer-serializing design: a plain INSERT behind one advisory lock held to commit.
CREATE TABLE eventlog_bench.serialized_events (LIKE eventlog_bench.plain_events INCLUDING ALL);

-- The same rows as eventlog.events after the preload, for the keyset-scan reader.
CREATE TABLE eventlog_bench.read_events (LIKE eventlog_bench.plain_events INCLUDING ALL);

-- Target of the plain COPY, the baseline of pg-eventlog's COPY path.
CREATE TABLE eventlog_bench.copy_events (LIKE eventlog_bench.plain_events INCLUDING ALL);

-- The diagnostic beside it: COPY into a table with the order's storage (tx_order default, index).
CREATE TABLE eventlog_bench.ordered_copy_events (LIKE eventlog_bench.ordered_events INCLUDING ALL);
