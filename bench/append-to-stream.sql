-- pgbench script for append_to_stream with an expected version: one event per transaction,
-- each client on a stream of its own, passing the version its previous append returned (the
-- optimistic-concurrency pattern of an application that keeps its aggregate in memory).
-- Variables: run (a number unique to the run, so the streams start empty) and v (set to 0; each
-- client then carries its own stream's version from one transaction to the next via \gset):
--   pgbench -n -D run=$RANDOM -D v=0 -f bench/append-to-stream.sql -c 32 -j 2 -T 30 DBNAME
-- Any failure (a conflict cannot happen: nobody else writes the client's stream) aborts the client.
SELECT version AS v
FROM eventlog.append_to_stream(
  'bench-' || :run || '-' || :client_id,
  '[{"type": "bench", "payload": {"n": 1}}]',
  :v)
\gset
