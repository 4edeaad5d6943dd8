-- A read that would need archived events (docs/partitions.md, "Archiving"): after an etag inside
-- an archived range, or from a position before an archived event, get_event raises EL051 naming
-- the range and the first etag still in the log; with eventlog.skip_archived on it continues with
-- what the log holds. The archived range is written here as detach_partitions records one.
BEGIN;
SELECT plan(7);
SELECT eventlog_test.reset();
CREATE TEMP TABLE kept AS SELECT * FROM eventlog_test.append_committed(100, '[{"n": 1}, {"n": 2}]') AS etag;
INSERT INTO eventlog.archived_ranges (from_etag, to_etag, partition_name, max_tx_order)
VALUES (1, 3, 'events_archived_by_this_test', 50);

SELECT throws_ok($$SELECT * FROM eventlog.get_event(0, 10)$$, 'EL051',
  format('an event after etag 0, etags 1 to 2, is archived; the first etag in the log is %s', (SELECT min(etag) FROM kept)),
  'a read from the beginning is refused, naming the range and the first etag in the log');
SELECT throws_ok($$SELECT * FROM eventlog.get_event(2, 10)$$, 'EL051',
  format('etag 2, etags 1 to 2, is archived; the first etag in the log is %s', (SELECT min(etag) FROM kept)),
  'a read after an etag inside the range is refused');
SELECT is(eventlog_test.etags_after((SELECT min(etag) FROM kept), 10), ARRAY(SELECT max(etag) FROM kept),
  'a read after the range is not affected');
UPDATE eventlog.archived_ranges SET max_tx_order = 101;
SELECT throws_ok(format('SELECT * FROM eventlog.get_event(%s, 10)', (SELECT min(etag) FROM kept)), 'EL051', NULL,
  'a read from a position before an archived event is refused, even after an etag in the log');
UPDATE eventlog.archived_ranges SET max_tx_order = 100;
SELECT is(eventlog_test.etags_after((SELECT min(etag) FROM kept), 10), ARRAY(SELECT max(etag) FROM kept),
  'a read after an etag past the range, of the transaction that holds the range''s last position, is not affected');
UPDATE eventlog.archived_ranges SET max_tx_order = 50;
SET LOCAL eventlog.skip_archived = on;
SELECT is(eventlog_test.etags_after(0, 10), ARRAY(SELECT etag FROM kept ORDER BY etag),
  'with eventlog.skip_archived on, the read from the beginning continues with the first etag in the log');
SELECT is(eventlog_test.etags_after(2, 10), ARRAY(SELECT etag FROM kept ORDER BY etag),
  'and so does the read after an etag inside the range');
SELECT * FROM finish();
ROLLBACK;
