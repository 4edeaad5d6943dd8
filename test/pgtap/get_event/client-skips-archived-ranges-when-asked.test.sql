-- With SET eventlog.skip_archived = on, a named client before an archived range reads on with
-- the events the log still holds (with a NOTICE, which test/partitions/ checks), and its cursor
-- moves past them; without the setting again, a client that has passed every archived event is
-- not refused any more. The archived range is written as detach_partitions records one.
BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();
CREATE TEMP TABLE early AS SELECT * FROM eventlog_test.append_committed(100, '[{"n": 1}, {"n": 2}]') AS etag;
CREATE TEMP TABLE late AS SELECT * FROM eventlog_test.append_committed(200, '[{"n": 3}, {"n": 4}]') AS etag;
SELECT count(*) FROM eventlog.get_event('reader', 1);
SELECT eventlog.seek_client('reader', 0);
INSERT INTO eventlog.archived_ranges (from_etag, to_etag, partition_name, max_tx_order)
VALUES (1, 3, 'events_archived_by_this_test', 150);

SET LOCAL eventlog.skip_archived = on;
SELECT is(eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('reader', 3)$$),
  ARRAY(SELECT etag FROM early UNION ALL SELECT min(etag) FROM late),
  'the client reads on with the events the log still holds, in log order');
RESET eventlog.skip_archived;
SELECT is(eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('reader', 3)$$), ARRAY(SELECT max(etag) FROM late),
  'once past the archived events, it reads without the setting');
SELECT is((SELECT etag FROM eventlog.client_cursors WHERE client = 'reader'), (SELECT max(etag) FROM late),
  'and its cursor moved with what it read');
SELECT * FROM finish();
ROLLBACK;
