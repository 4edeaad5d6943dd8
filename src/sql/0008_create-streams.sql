-- The current version of every stream. Appending to a stream locks its row until commit, which
-- orders writers of the same stream and leaves writers of other streams alone.
-- reserved_from is set only for the span of one statement inside append_to_stream, which reserves
-- all its versions with one update of the row and then inserts the events (0025, 0029); no CHECK on
-- it, since a CHECK is compiled for every statement and this row is updated by every stream append.
CREATE TABLE eventlog.streams (
  stream text NOT NULL,
  version integer NOT NULL,
  tx_order bigint NOT NULL,
  reserved_from integer,
  CONSTRAINT streams_pkey PRIMARY KEY (stream),
  CONSTRAINT streams_version_positive CHECK (version > 0)
);

GRANT SELECT ON eventlog.streams TO eventlog_reader, eventlog_admin;

COMMENT ON TABLE eventlog.streams IS
  'Each stream with the version of its latest event.';
COMMENT ON COLUMN eventlog.streams.version IS
  'Version of the stream''s latest event; the next event gets version + 1.';
COMMENT ON COLUMN eventlog.streams.tx_order IS
  'Log position of the stream''s latest event; a later version is never placed before it.';
COMMENT ON COLUMN eventlog.streams.reserved_from IS
  'Set only inside append_to_stream, between reserving versions reserved_from..version and inserting their events; NULL otherwise (never committed).';
