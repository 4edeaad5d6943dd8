BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS
  SELECT etag, row_number() OVER (ORDER BY etag) AS n
  FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}, {"n": 3}]') AS etag;
SELECT count(*) FROM eventlog.peek_event('mailer', 3);
SELECT eventlog.seek_client('mailer', 'beginning');

SELECT throws_ok(
  format('SELECT eventlog.ack_event(%L, %s)', 'mailer', (SELECT etag FROM committed WHERE n = 2)),
  'EL011',
  format('etag %s was never delivered to client ''mailer'': no event after its cursor (at etag 0) has been peeked',
         (SELECT etag FROM committed WHERE n = 2)),
  'after a seek, an etag peeked before it is refused: it would skip what the seek delivers again'
);
SELECT count(*) FROM eventlog.peek_event('mailer', 2);
SELECT lives_ok(
  format('SELECT eventlog.ack_event(%L, %s)', 'mailer', (SELECT etag FROM committed WHERE n = 2)),
  'a peek after the seek makes it acknowledgeable again'
);
SELECT is(
  (SELECT etag FROM eventlog.client_cursors WHERE client = 'mailer'),
  (SELECT etag FROM committed WHERE n = 2),
  'and the ack moves the cursor there'
);

SELECT * FROM finish();
ROLLBACK;
