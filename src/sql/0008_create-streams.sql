-- The current version of every stream. Appending to a stream locks its row until commit, which
-- orders writers of the same stream and leaves writers of other streams alone.
CREATE TABLE eventlog.streams (
  stream text NOT NULL,
  version integer NOT NULL,
  tx_order bigint NOT NULL,
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
