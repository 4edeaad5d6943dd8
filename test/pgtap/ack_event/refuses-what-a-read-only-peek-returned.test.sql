BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS
  SELECT etag FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}]') AS etag;
SELECT count(*) FROM eventlog.peek_event('mailer', 1);

-- A read-only transaction (as on a hot standby) can peek, but cannot record what it returned.
SAVEPOINT read_only;
SET LOCAL transaction_read_only = on;
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.peek_event('mailer', 10)$$),
  ARRAY(SELECT etag FROM committed ORDER BY etag),
  'a peek in a read-only transaction returns the events'
);
SELECT is(
  (SELECT peeked_etag FROM eventlog.client_cursors WHERE client = 'mailer'),
  (SELECT min(etag) FROM committed),
  'and records nothing: the end of the peeked range is still the first event'
);
ROLLBACK TO SAVEPOINT read_only;

SELECT throws_ok(
  format('SELECT eventlog.ack_event(%L, %s)', 'mailer', (SELECT max(etag) FROM committed)),
  'EL011',
  format('etag %s was never delivered to client ''mailer'': peek_event has returned events up to etag %s only',
         (SELECT max(etag) FROM committed), (SELECT min(etag) FROM committed)),
  'so ack_event refuses the event only the read-only peek returned'
);
SELECT lives_ok(
  format('SELECT eventlog.ack_event(%L, %s)', 'mailer', (SELECT min(etag) FROM committed)),
  'and accepts the one the writable peek returned'
);

SELECT * FROM finish();
ROLLBACK;
