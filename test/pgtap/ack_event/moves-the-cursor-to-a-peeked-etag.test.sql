BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS
  SELECT etag FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}]') AS etag;
CREATE TEMP TABLE peeked AS SELECT * FROM eventlog.peek_event('mailer', 2);

SELECT lives_ok(
  format('SELECT eventlog.ack_event(%L, %s)', 'mailer', (SELECT max(etag) FROM peeked)),
  'acknowledging the last peeked etag'
);
SELECT is(
  (SELECT etag FROM eventlog.client_cursors WHERE client = 'mailer'),
  (SELECT max(etag) FROM peeked),
  'moves the cursor there'
);
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.peek_event('mailer', 10)$$),
  ARRAY(SELECT etag FROM committed ORDER BY etag OFFSET 2),
  'so the next peek returns the events after it'
);

SELECT * FROM finish();
ROLLBACK;
