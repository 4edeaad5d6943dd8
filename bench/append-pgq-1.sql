-- Peer: PgQ's insert_event, 1 event per transaction into the queue bench, run as the extension's role
-- pgq_writer (the bench connects with -c role=pgq_writer). PgQ comes from its Debian package
-- (postgresql-15-pgq3; CREATE EXTENSION pgq at bench time); its ticker is not needed for appends.
\set n random(1, 1000000000)
SELECT pgq.insert_event('bench', 'bench', jsonb_build_object('n', :n::integer + 0, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench')::text);
