-- pg-eventlog's append_to_stream with an expected version, 10 events per transaction in one call;
-- see append-stream-1.sql.
\set n random(1, 1000000000)
SELECT :expected::integer + pg_catalog.count(*)::integer AS expected
FROM eventlog.append_to_stream('bench-' || :run::bigint || '_' || :client_id::integer,
  (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('type', 'bench', 'payload', jsonb_build_object('n', :n::integer + g, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench')) ORDER BY g)
   FROM pg_catalog.generate_series(0, 9) AS g),
  :expected::integer) \gset
