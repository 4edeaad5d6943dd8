-- Peer: Message DB's write_message, 1 message per transaction, run as its role message_store (the
-- bench connects with -c role=message_store). Message DB is installed at bench time from the npm
-- package @eventide/message-db (its own database/install.sh), never kept in this repository.
-- Each client writes its own stream; all streams are in one category, bench, whose advisory lock
-- write_message takes until commit (what keeps Message DB's category reads in order).
\set n random(1, 1000000000)
SELECT message_store.write_message(pg_catalog.gen_random_uuid()::text, 'bench-' || :client_id::integer, 'bench',
  jsonb_build_object('n', :n::integer + 0, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench'));
