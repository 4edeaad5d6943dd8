BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();

CREATE TEMP TABLE committed AS SELECT * FROM eventlog_test.append_committed(10, '[{"old": true}]') AS etag;
CREATE TEMP TABLE own AS SELECT etag FROM eventlog.log_event('{"mine": true}');
-- A committed event after the open one, so that a reader ignoring the horizon would return it.
CREATE TEMP TABLE own_position AS SELECT tx_order FROM eventlog.events WHERE etag = (SELECT etag FROM own);
CREATE TEMP TABLE later AS
  SELECT * FROM eventlog_test.append_committed((SELECT tx_order + 1 FROM own_position), '[{"later": true}]') AS etag;

SELECT is(
  eventlog_test.etags_after(0, 10),
  ARRAY[(SELECT etag FROM committed)],
  'events of the reading transaction itself, and committed ones after them, are not delivered before it commits'
);
SELECT is(
  eventlog_test.etags_after((SELECT etag FROM own), 10),
  '{}'::bigint[],
  'resuming after an own, uncommitted event returns nothing yet, not the committed event after it'
);
SELECT ok(
  (SELECT tx_order FROM eventlog.events WHERE etag = (SELECT etag FROM own)) >= eventlog._read_horizon(),
  'the open transaction''s position is at or beyond the read horizon'
);

SELECT * FROM finish();
ROLLBACK;
