-- The writer-serializing design: a plain INSERT of 1 row behind an advisory lock held
-- to commit, in the same single statement (one round trip, like the other two).
\set n random(1, 1000000000)
WITH writer_lock AS (SELECT pg_advisory_xact_lock(7310599478223106050))
INSERT INTO eventlog_bench.serialized_events (payload)
SELECT v.payload FROM writer_lock, (VALUES
  (jsonb_build_object('n', :n::integer + 0, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench'))
) AS v (payload);
