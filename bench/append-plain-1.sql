-- The ceiling: a plain INSERT of 1 row into a table of the same shape.
\set n random(1, 1000000000)
INSERT INTO eventlog_bench.plain_events (payload) VALUES
  (jsonb_build_object('n', :n::integer + 0, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench'));
