-- Diagnostic: the plain INSERT of 1 row into a table that also has what gap-safe order needs in storage
-- (tx_order from the transaction id, the (tx_order, etag) index); no function, no checks.
\set n random(1, 1000000000)
INSERT INTO eventlog_bench.ordered_events (payload) VALUES
  (jsonb_build_object('n', :n::integer + 0, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench'));
