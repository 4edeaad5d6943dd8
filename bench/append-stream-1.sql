-- pg-eventlog's append_to_stream with an expected version, 1 event per transaction, as
-- eventlog_writer: the row that stands beside Message DB's write_message with an expected version.
-- Shown as n/a until eventlog.append_to_stream(text, jsonb, integer, text) exists (issue 10); the
-- bench assumes it returns the new rows (SETOF), so that :expected + count(*) is the stream's new
-- version. Each client appends to a stream of its own, new in every run (-D run=…; -D expected=0).
\set n random(1, 1000000000)
SELECT :expected::integer + pg_catalog.count(*)::integer AS expected
FROM eventlog.append_to_stream('bench-' || :run::bigint || '_' || :client_id::integer,
  pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('type', 'bench', 'payload', jsonb_build_object('n', :n::integer + 0, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench'))),
  :expected::integer) \gset
