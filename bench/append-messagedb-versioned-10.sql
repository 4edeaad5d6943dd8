-- Peer: Message DB's write_message with an expected version, 10 messages per transaction in one
-- statement, the n-th expecting the version the one before it made; see append-messagedb-versioned-1.sql.
\set n random(1, 1000000000)
SELECT pg_catalog.max(message_store.write_message(pg_catalog.gen_random_uuid()::text, 'benchVersioned-' || :run::bigint || '_' || :client_id::integer, 'bench',
  jsonb_build_object('n', :n::integer + g, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench'),
  NULL, :expected::bigint + g)) AS expected
FROM pg_catalog.generate_series(0, 9) AS g \gset
