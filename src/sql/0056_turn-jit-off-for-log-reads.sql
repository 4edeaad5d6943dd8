-- The reads of the log never compile their queries with JIT. Their statements read a few pages at
-- the log's tail, but several run as generic plans (plan_cache_mode = force_generic_plan, or
-- PL/pgSQL's cached plans) over every partition of eventlog.events, and a generic plan's
-- estimated cost grows with the number of partitions: at 129 partitions the first statement of
-- get_event(after_etag, n) (the log joined to its clock, which the planner estimates at 1,540
-- rows) is estimated at 116,000, past jit_above_cost (100,000 by default), and every call then
-- compiles its expressions: a tail read of 100 events took 18.2 ms instead of 0.70 ms (pgbench,
-- docs/benchmarks.md "The partitioned log at scale"); at 30M events of the default partition size
-- a named client's read took 51 ms, at 100M about 0.9 s, with the same ~240 buffers.
--
-- JIT pays off for statements that run long over many rows; these read at most max_rows events
-- by index, so it is switched off for them alone, not for the database: a user's own analytic
-- queries of the log keep the server's setting. The setting is part of each function's
-- definition (pg_proc.proconfig), dumped with it and kept by CREATE OR REPLACE only when restated:
-- a later migration that restates one of these functions must keep SET jit = off (CONTRIBUTING.md).
-- The procedure await_log_end (0055) cannot carry a SET clause (it commits); the log_end() it
-- calls does. The test: test/log/log-reads-never-jit-compile.test.ts.

-- The log and its named clients.
ALTER FUNCTION eventlog.get_event(bigint, integer) SET jit = off;
ALTER FUNCTION eventlog.get_event(text, integer, integer, integer) SET jit = off;
ALTER FUNCTION eventlog.peek_event(text, integer, integer, integer) SET jit = off;
ALTER FUNCTION eventlog.ack_event(text, bigint, integer, integer) SET jit = off;
ALTER FUNCTION eventlog.log_end() SET jit = off;
ALTER FUNCTION eventlog.wait_for_log_end(bigint, integer, integer) SET jit = off;
ALTER FUNCTION eventlog._cursor_lag(bigint, bigint, bigint, integer, integer, text) SET jit = off;

-- Streams.
ALTER FUNCTION eventlog.read_stream(text, integer, integer) SET jit = off;
ALTER FUNCTION eventlog.stream_version(text) SET jit = off;
ALTER FUNCTION eventlog.load_stream(text) SET jit = off;

-- Change capture.
ALTER FUNCTION eventlog.get_changes(regclass, bigint, integer) SET jit = off;
ALTER FUNCTION eventlog.get_changes(regclass, text, integer) SET jit = off;
ALTER FUNCTION eventlog.peek_changes(regclass, text, integer) SET jit = off;
ALTER FUNCTION eventlog.ack_changes(regclass, text, bigint) SET jit = off;
