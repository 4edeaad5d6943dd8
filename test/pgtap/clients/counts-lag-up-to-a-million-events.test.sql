-- The README: lag_events is counted over at most the next 1,000,000 events of the log. This file
-- writes 1,000,005 small events (a few seconds), inside its transaction like every other.
BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

SELECT count(*) FROM eventlog.peek_event('behind', 1);
SELECT count(*) FROM eventlog.peek_event('near-the-end', 1);
-- As append_committed does, with the guards off for the moment of the insert (a position given
-- by the writer is refused otherwise); one statement rather than a JSON array of a million.
SELECT eventlog_test.set_guards(false);
INSERT INTO eventlog.events (etag, tx_order, payload) SELECT nextval('eventlog.events_etag_seq'), 10, '{}' FROM generate_series(1, 1000005);
SELECT eventlog_test.set_guards(true);
SELECT eventlog.seek_client('near-the-end', (SELECT etag FROM eventlog.events ORDER BY etag OFFSET 999999 LIMIT 1));

SELECT is((SELECT count(*) FROM eventlog.events), 1000005::bigint, 'setup: 1,000,005 committed events');
SELECT is(
  (SELECT lag_events FROM eventlog.clients WHERE client = 'behind'),
  1000000::bigint,
  'a client at the beginning shows a lag of 1,000,000: the count stops there'
);
SELECT is(
  (SELECT lag_events FROM eventlog.clients WHERE client = 'near-the-end'),
  5::bigint,
  'below the cap the count is exact'
);

SELECT * FROM finish();
ROLLBACK;
