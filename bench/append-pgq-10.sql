-- Peer: PgQ's insert_event, 10 events per transaction in one statement, as pgq_writer; see append-pgq-1.sql.
\set n random(1, 1000000000)
SELECT pg_catalog.count(pgq.insert_event('bench', 'bench', jsonb_build_object('n', :n::integer + g, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench')::text))
FROM pg_catalog.generate_series(0, 9) AS g;
