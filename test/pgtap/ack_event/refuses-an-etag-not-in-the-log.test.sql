BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS
  SELECT etag FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}]') AS etag;
SELECT count(*) FROM eventlog.peek_event('mailer', 2);
-- An append that rolls back leaves its etag unused for good; currval survives the rollback.
SAVEPOINT append;
SELECT count(*) FROM eventlog.log_event('{"gone": true}');
ROLLBACK TO SAVEPOINT append;
CREATE TEMP TABLE gone AS SELECT currval(pg_get_serial_sequence('eventlog.events', 'etag')) AS etag;

SELECT ok(
  (SELECT etag FROM gone) > (SELECT max(etag) FROM committed)
    AND NOT EXISTS (SELECT 1 FROM eventlog.events WHERE etag = (SELECT etag FROM gone)),
  'setup: the rolled-back append took an etag that is not in the log'
);
SELECT throws_ok(
  'SELECT eventlog.ack_event(''mailer'', 987654321)',
  'EL001', 'etag 987654321 is not in the log',
  'an etag the log never had'
);
SELECT throws_ok(
  format('SELECT eventlog.ack_event(%L, %s)', 'mailer', (SELECT etag FROM gone)),
  'EL001', format('etag %s is not in the log', (SELECT etag FROM gone)),
  'the etag of a rolled-back append'
);

SELECT * FROM finish();
ROLLBACK;
