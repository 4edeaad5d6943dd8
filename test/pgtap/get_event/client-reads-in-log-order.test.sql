BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

-- Etags are assigned in insertion order, but log order is (tx_order, etag): the transaction at
-- position 20 wrote first and is read second.
CREATE TEMP TABLE late AS SELECT etag FROM eventlog_test.append_committed(20, '[{"tx": 20}, {"tx": 20}]') AS etag;
CREATE TEMP TABLE early AS SELECT etag FROM eventlog_test.append_committed(10, '[{"tx": 10}]') AS etag;

SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 2)$$),
  ARRAY[(SELECT etag FROM early), (SELECT min(etag) FROM late)],
  'events come in log order, across a batch boundary inside a transaction'
);
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 2)$$),
  ARRAY[(SELECT max(etag) FROM late)],
  'and the next batch resumes inside the same transaction'
);

SELECT * FROM finish();
ROLLBACK;
