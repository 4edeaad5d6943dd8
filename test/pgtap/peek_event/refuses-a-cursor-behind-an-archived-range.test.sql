-- peek_event gives a client before an archived event the same answer as get_event(client):
-- EL051 naming the client, or with eventlog.skip_archived on the events the log still holds.
BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();
CREATE TEMP TABLE early AS SELECT * FROM eventlog_test.append_committed(100, '[{"n": 1}, {"n": 2}]') AS etag;
CREATE TEMP TABLE late AS SELECT * FROM eventlog_test.append_committed(200, '[{"n": 3}]') AS etag;
SELECT count(*) FROM eventlog.peek_event('mailer', 1);
INSERT INTO eventlog.archived_ranges (from_etag, to_etag, partition_name, max_tx_order)
VALUES (1, 3, 'events_archived_by_this_test', 150);

SELECT throws_ok($$SELECT * FROM eventlog.peek_event('mailer', 10)$$, 'EL051',
  format('client ''mailer'' stands before archived events: etags 1 to 2 are archived; the first etag in the log is %s', (SELECT min(etag) FROM early)),
  'a peek before an archived event is refused, naming the client');
SET LOCAL eventlog.skip_archived = on;
SELECT is(eventlog_test.etags_of($$SELECT * FROM eventlog.peek_event('mailer', 10)$$),
  ARRAY(SELECT etag FROM early UNION ALL SELECT etag FROM late),
  'with eventlog.skip_archived on, it returns the events the log still holds');
RESET eventlog.skip_archived;
SELECT throws_ok($$SELECT * FROM eventlog.peek_event('mailer', 10)$$, 'EL051', NULL,
  'a peek moves no cursor, so without the setting the same peek is refused again');
SELECT * FROM finish();
ROLLBACK;
