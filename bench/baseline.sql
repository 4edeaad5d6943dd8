-- The baselines pg-eventlog is measured against (make bench), in a schema of their own in the
-- bench's scratch database. Never a migration: nothing here is part of the product.
--
-- Each table has the shape of eventlog.events: the same columns, types and defaults, an identity
-- primary key on etag. Nothing else: no triggers, no CHECK constraints, no (tx_order, etag)
-- index, which is what makes a plain INSERT the ceiling.
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

-- Target of the writer-serializing design: a plain INSERT behind one advisory lock held to commit.
CREATE TABLE eventlog_bench.serialized_events (LIKE eventlog_bench.plain_events INCLUDING ALL);

-- The same rows as eventlog.events after the preload, for the keyset-scan reader.
CREATE TABLE eventlog_bench.read_events (LIKE eventlog_bench.plain_events INCLUDING ALL);
