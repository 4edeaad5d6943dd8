-- seek_client to an etag of an archived range: EL051 naming the client and the range; with
-- eventlog.skip_archived on, the client moves to the beginning of what the log still holds (as
-- get_event(after_etag) reads on from there).
BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();
CREATE TEMP TABLE kept AS SELECT * FROM eventlog_test.append_committed(100, '[{"n": 1}, {"n": 2}]') AS etag;
SELECT count(*) FROM eventlog.get_event('billing', 2);
INSERT INTO eventlog.archived_ranges (from_etag, to_etag, partition_name, max_tx_order)
VALUES (1, 3, 'events_archived_by_this_test', 50);

SELECT throws_ok($$SELECT eventlog.seek_client('billing', 2)$$, 'EL051',
  format('client ''billing'' cannot seek to etag 2: etag 2, etags 1 to 2, is archived; the first etag in the log is %s', (SELECT min(etag) FROM kept)),
  'seeking to an archived etag is refused, naming the client, the range and the first etag in the log');
SET LOCAL eventlog.skip_archived = on;
SELECT is(eventlog.seek_client('billing', 2), 2::bigint, 'with eventlog.skip_archived on, the seek is accepted');
SELECT is(eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 10)$$), ARRAY(SELECT etag FROM kept ORDER BY etag),
  'and the client reads on from the beginning of what the log holds');
SELECT * FROM finish();
ROLLBACK;
