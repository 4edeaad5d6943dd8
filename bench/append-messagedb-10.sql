-- Peer: Message DB's write_message, 10 messages per transaction in one statement (one round trip,
-- like every other script), as message_store; see append-messagedb-1.sql.
\set n random(1, 1000000000)
SELECT pg_catalog.count(message_store.write_message(pg_catalog.gen_random_uuid()::text, 'bench-' || :client_id::integer, 'bench',
  jsonb_build_object('n', :n::integer + g, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench')))
FROM pg_catalog.generate_series(0, 9) AS g;
