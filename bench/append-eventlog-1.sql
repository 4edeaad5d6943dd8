-- pg-eventlog: one log_event call appending 1 event in one transaction.
\set n random(1, 1000000000)
SELECT 1 FROM eventlog.log_event(jsonb_build_object('n', :n::integer + 0, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench'));
