BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS
  SELECT etag FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}]') AS etag;
SELECT count(*) FROM eventlog.peek_event('mailer', 1);
SELECT eventlog.ack_event('mailer', (SELECT min(etag) FROM committed));
CREATE TEMP TABLE before AS SELECT ctid AS row_version FROM eventlog.client_cursors WHERE client = 'mailer';

SELECT lives_ok(
  format('SELECT eventlog.ack_event(%L, %s)', 'mailer', (SELECT min(etag) FROM committed)),
  'acknowledging the same etag again (a retried ack) succeeds'
);
SELECT is(
  (SELECT ctid FROM eventlog.client_cursors WHERE client = 'mailer'),
  (SELECT row_version FROM before),
  'and writes nothing'
);

SELECT * FROM finish();
ROLLBACK;
