-- Test-only setup, loaded once into the test database after the log is installed
-- (make test does it; by hand: psql -f test/pgtap/_helpers.sql). Fixtures and reset helpers
-- live in schema eventlog_test, never in src/sql.
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE SCHEMA IF NOT EXISTS eventlog_test;
