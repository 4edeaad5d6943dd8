-- The clients view names, for a cursor that stands before an archived event, the first etag of
-- that archived range (archived_from_etag; its next read is refused with EL051 unless
-- eventlog.skip_archived is on), and NULL for a cursor after every archived range. Archived
-- events are not in the log, so lag_events does not count them.
BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();
CREATE TEMP TABLE early AS SELECT * FROM eventlog_test.append_committed(100, '[{"n": 1}, {"n": 2}]') AS etag;
CREATE TEMP TABLE late AS SELECT * FROM eventlog_test.append_committed(200, '[{"n": 3}]') AS etag;
SELECT count(*) FROM eventlog.get_event('behind', 1);
SELECT eventlog.seek_client('behind', 0);
SELECT count(*) FROM eventlog.get_event('ahead', 1);
SELECT eventlog.seek_client('ahead', (SELECT min(etag) FROM late));
INSERT INTO eventlog.archived_ranges (from_etag, to_etag, partition_name, max_tx_order)
VALUES (1, 3, 'events_archived_by_this_test', 150);

SELECT results_eq(
  $$SELECT client, archived_from_etag, lag_events FROM eventlog.clients ORDER BY client$$,
  $$VALUES ('ahead'::text, NULL::bigint, 0::bigint), ('behind', 1, 3)$$,
  'archived_from_etag names the archived range ahead of the cursor; lag counts the events in the log');
SELECT is((SELECT archived_from_etag FROM eventlog.client_status('behind')), 1::bigint,
  'client_status shows the same');
SELECT * FROM finish();
ROLLBACK;
