BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

SELECT is((SELECT count(*) FROM eventlog.delivery_blockers()), 0::bigint, 'nothing is held back in an empty log');

-- This test's transaction gets an id, then events appear that are positioned after it, as if a
-- later transaction had committed them: this transaction now holds them back.
CREATE TEMP TABLE own_id AS SELECT pg_current_xact_id() AS xid;
SELECT eventlog_test.append_committed(eventlog._read_horizon() + 1000, '[{"waiting": 1}, {"waiting": 2}]');

SELECT is(
  (SELECT pid FROM eventlog.delivery_blockers() WHERE backend_xid::text = pg_current_xact_id()::text),
  pg_backend_pid(),
  'the open transaction is listed with its backend pid'
);
SELECT is(
  (SELECT held_back_events FROM eventlog.delivery_blockers() WHERE pid = pg_backend_pid()),
  2::bigint,
  'with the number of committed events it holds back'
);
SELECT ok(
  (SELECT xact_age >= interval '0' AND xact_start = transaction_timestamp() FROM eventlog.delivery_blockers() WHERE pid = pg_backend_pid()),
  'and when it started'
);

SELECT * FROM finish();
ROLLBACK;
