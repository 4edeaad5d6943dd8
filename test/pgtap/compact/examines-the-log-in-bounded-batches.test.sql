BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');
UPDATE eventlog.compaction_progress SET tx_order = -1, etag = 0, pass_started_at = NULL;

-- Five rows with two revisions each, at positions 10..14 and 20..24.
SELECT eventlog_test.set_guards(false);
INSERT INTO eventlog.events (etag, tx_order, ctime, event_type, stream, version, payload)
SELECT nextval('eventlog.events_etag_seq'), r.tx_order, now() - interval '1 day', r.event_type, 'capture_test.items:' || r.id, r.version, '{}'
FROM (SELECT g AS id, 9 + g AS tx_order, 'insert' AS event_type, 1 AS version FROM generate_series(1, 5) AS g
      UNION ALL
      SELECT g, 19 + g, 'update', 2 FROM generate_series(1, 5) AS g) AS r
ORDER BY r.tx_order;
SELECT eventlog_test.set_guards(true);

SELECT results_eq($$SELECT revisions_removed, events_examined, done FROM eventlog.compact('0', NULL, 3)$$,
  $$VALUES (3::bigint, 3::bigint, false)$$, 'a call examines max_rows events, removes what qualifies among them, and is not done');
SELECT results_eq($$SELECT tx_order FROM eventlog.compaction_progress$$, $$VALUES (12::bigint)$$,
  'the pass remembers the last position examined');
SELECT results_eq($$SELECT revisions_removed, events_examined, done FROM eventlog.compact('0', NULL, 3)$$,
  $$VALUES (2::bigint, 3::bigint, false)$$, 'the next call goes on from there');
-- The two audit events of the calls are in this transaction, above the read horizon: not examined.
SELECT results_eq($$SELECT revisions_removed, events_examined, done FROM eventlog.compact('0', NULL, 3)$$,
  $$VALUES (0::bigint, 3::bigint, false)$$, 'a full batch of latest revisions');
SELECT results_eq($$SELECT revisions_removed, events_examined, done FROM eventlog.compact('0', NULL, 3)$$,
  $$VALUES (0::bigint, 1::bigint, true)$$, 'a short batch: the pass has reached the read horizon');
SELECT results_eq($$SELECT tx_order, etag, pass_started_at FROM eventlog.compaction_progress$$,
  $$VALUES (-1::bigint, 0::bigint, NULL::timestamptz)$$, 'and the next pass starts from the beginning');

SELECT * FROM finish();
ROLLBACK;
