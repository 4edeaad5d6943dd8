-- Peer: Message DB's write_message with an expected version (optimistic concurrency), 1 message per
-- transaction, as message_store. Each client appends to a stream of its own, new in every run
-- (-D run=…), and keeps the stream's version in :expected (-D expected=-1: Message DB's empty
-- stream), taken from write_message's result with \gset, as a writer that knows its stream would.
\set n random(1, 1000000000)
SELECT message_store.write_message(pg_catalog.gen_random_uuid()::text, 'benchVersioned-' || :run::bigint || '_' || :client_id::integer, 'bench',
  jsonb_build_object('n', :n::integer + 0, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench'),
  NULL, :expected::bigint) AS expected \gset
