-- pg-eventlog's INSERT path: a plain INSERT of 1 event into eventlog.events, as eventlog_writer
-- (the bench connects with -c role=eventlog_writer); etag, tx_order, ctime come from the database.
\set n random(1, 1000000000)
INSERT INTO eventlog.events (payload) VALUES
  (jsonb_build_object('n', :n::integer + 0, 'client', :client_id::integer, 'kind', 'bench', 'note', 'an event appended by pgbench'));
