-- pg-eventlog's INSERT path: a plain multi-row INSERT of 10 events into eventlog.events, as
-- eventlog_writer (the bench connects with -c role=eventlog_writer).
\set n random(1, 1000000000)
INSERT INTO eventlog.events (payload) VALUES
  (jsonb_build_object('n', :n::integer + 0, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench')),
  (jsonb_build_object('n', :n::integer + 1, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench')),
  (jsonb_build_object('n', :n::integer + 2, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench')),
  (jsonb_build_object('n', :n::integer + 3, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench')),
  (jsonb_build_object('n', :n::integer + 4, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench')),
  (jsonb_build_object('n', :n::integer + 5, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench')),
  (jsonb_build_object('n', :n::integer + 6, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench')),
  (jsonb_build_object('n', :n::integer + 7, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench')),
  (jsonb_build_object('n', :n::integer + 8, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench')),
  (jsonb_build_object('n', :n::integer + 9, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench'));
