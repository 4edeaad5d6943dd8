BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS
  SELECT etag, row_number() OVER (ORDER BY etag) AS n
  FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}, {"n": 5}]') AS etag;
CREATE TEMP TABLE peeked AS SELECT etag FROM eventlog.peek_event('mailer', 2);

SELECT throws_ok(
  format('SELECT eventlog.ack_event(%L, %s)', 'mailer', (SELECT etag FROM committed WHERE n = 5)),
  'EL011',
  format('etag %s was never delivered to client ''mailer'': peek_event has returned events up to etag %s only',
         (SELECT etag FROM committed WHERE n = 5), (SELECT etag FROM committed WHERE n = 2)),
  'after a peek of two events, an ack of the fifth is refused: it would skip the third and fourth'
);
SELECT throws_ok(
  format('SELECT eventlog.ack_event(%L, %s)', 'mailer', (SELECT etag FROM committed WHERE n = 3)),
  'EL011',
  format('etag %s was never delivered to client ''mailer'': peek_event has returned events up to etag %s only',
         (SELECT etag FROM committed WHERE n = 3), (SELECT etag FROM committed WHERE n = 2)),
  'so is an ack of the event right after the peeked batch'
);
SELECT lives_ok(
  format('SELECT eventlog.ack_event(%L, %s)', 'mailer', (SELECT etag FROM committed WHERE n = 2)),
  'the last peeked etag is accepted'
);
SELECT throws_ok(
  format('SELECT eventlog.ack_event(%L, %s)', 'mailer', (SELECT etag FROM committed WHERE n = 3)),
  'EL011',
  format('etag %s was never delivered to client ''mailer'': no event after its cursor (at etag %s) has been peeked',
         (SELECT etag FROM committed WHERE n = 3), (SELECT etag FROM committed WHERE n = 2)),
  'once acknowledged up to the end of the peek, the next event needs a peek of its own'
);
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.peek_event('mailer', 10)$$),
  ARRAY(SELECT etag FROM committed WHERE n > 2 ORDER BY etag),
  'the next peek returns the third to fifth events: none was skipped'
);

SELECT * FROM finish();
ROLLBACK;
