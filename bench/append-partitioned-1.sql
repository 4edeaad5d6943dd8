-- Diagnostic: the ordered storage of append-ordered, partitioned by etag range like eventlog.events
-- (tx_order from the transaction id, the (tx_order, etag) index); no function, no checks.
\set n random(1, 1000000000)
INSERT INTO eventlog_bench.partitioned_events (payload) VALUES
  (jsonb_build_object('n', :n::integer + 0, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench'));
