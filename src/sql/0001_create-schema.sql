CREATE SCHEMA IF NOT EXISTS eventlog;

COMMENT ON SCHEMA eventlog IS
  'pg-eventlog: an append-only, gap-safe event log with cursors, streams and push delivery.';

-- Functions created later in this schema are not executable by PUBLIC unless granted.
ALTER DEFAULT PRIVILEGES IN SCHEMA eventlog REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
REVOKE ALL ON SCHEMA eventlog FROM PUBLIC;
