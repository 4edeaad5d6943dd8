BEGIN;
SELECT plan(1);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

SELECT eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}]');
-- This test's own transaction is still open, so its event is above the read horizon.
CREATE TEMP TABLE own AS SELECT etag FROM eventlog.log_event('{"mine": true}');
SELECT count(*) FROM eventlog.peek_event('mailer', 10);

SELECT throws_ok(
  format('SELECT eventlog.ack_event(%L, %s)', 'mailer', (SELECT etag FROM own)),
  'EL011', format('etag %s was never delivered to client ''mailer'': it is not deliverable yet', (SELECT etag FROM own)),
  'an event of a transaction still open (no peek can have returned it)'
);

SELECT * FROM finish();
ROLLBACK;
