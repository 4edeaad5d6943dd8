-- A named client whose cursor stands before an archived event (docs/partitions.md, "What named
-- clients see"): get_event(client) raises EL051 naming the client, the range and the first etag
-- still in the log, instead of reading on silently; a client after every archived range reads as
-- before. The archived range is written here as detach_partitions records one: etags 1 and 2,
-- at position 150, between the fixture's transactions at 100 and 200.
BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();
CREATE TEMP TABLE early AS SELECT * FROM eventlog_test.append_committed(100, '[{"n": 1}, {"n": 2}]') AS etag;
CREATE TEMP TABLE late AS SELECT * FROM eventlog_test.append_committed(200, '[{"n": 3}, {"n": 4}]') AS etag;
SELECT count(*) FROM eventlog.get_event('from-the-start', 1);
SELECT eventlog.seek_client('from-the-start', 0);
SELECT count(*) FROM eventlog.get_event('mid-way', 1);
SELECT eventlog.seek_client('mid-way', (SELECT max(etag) FROM early));
SELECT count(*) FROM eventlog.get_event('past-it', 1);
SELECT eventlog.seek_client('past-it', (SELECT min(etag) FROM late));
INSERT INTO eventlog.archived_ranges (from_etag, to_etag, partition_name, max_tx_order)
VALUES (1, 3, 'events_archived_by_this_test', 150);

SELECT throws_ok($$SELECT * FROM eventlog.get_event('from-the-start', 10)$$, 'EL051',
  format('client ''from-the-start'' stands before archived events: etags 1 to 2 are archived; the first etag in the log is %s', (SELECT min(etag) FROM early)),
  'a client at the beginning is refused, naming the client, the range and the first etag in the log');
SELECT throws_ok($$SELECT * FROM eventlog.get_event('mid-way', 10)$$, 'EL051',
  format('client ''mid-way'' stands before archived events: etags 1 to 2 are archived; the first etag in the log is %s', (SELECT min(etag) FROM early)),
  'so is a client whose cursor is in the log but before an archived event');
SELECT is(eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('past-it', 10)$$), ARRAY(SELECT max(etag) FROM late),
  'a client after the archived range reads on');
SELECT is((SELECT etag FROM eventlog.client_cursors WHERE client = 'mid-way'), (SELECT max(etag) FROM early),
  'the refused client stays where it was');
SELECT * FROM finish();
ROLLBACK;
