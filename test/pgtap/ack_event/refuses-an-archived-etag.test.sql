-- An etag of an archived range cannot be acknowledged: its position left the log with the range,
-- so there is nowhere to put the cursor. EL051 names the etag, the client, the range and the
-- first etag in the log (not EL001: the etag was in the log), with or without
-- eventlog.skip_archived.
BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();
CREATE TEMP TABLE kept AS SELECT * FROM eventlog_test.append_committed(100, '[{"n": 1}, {"n": 2}]') AS etag;
SELECT count(*) FROM eventlog.peek_event('mailer', 1);
INSERT INTO eventlog.archived_ranges (from_etag, to_etag, partition_name, max_tx_order)
VALUES (1, 3, 'events_archived_by_this_test', 50);

SELECT throws_ok($$SELECT eventlog.ack_event('mailer', 2)$$, 'EL051',
  format('etag 2 cannot be acknowledged for client ''mailer'': etags 1 to 2 are archived; the first etag in the log is %s', (SELECT min(etag) FROM kept)),
  'an archived etag is refused with EL051, naming the client and the first etag in the log');
SET LOCAL eventlog.skip_archived = on;
SELECT throws_ok($$SELECT eventlog.ack_event('mailer', 2)$$, 'EL051', NULL,
  'also with eventlog.skip_archived on');
SELECT * FROM finish();
ROLLBACK;
