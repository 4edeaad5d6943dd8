BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

-- This test's own transaction has written, so it holds back every event of a transaction that
-- got a later transaction id: an event far ahead of the read horizon (log positions include the
-- clock's offset, so the horizon, not the bare transaction id, is the reference) stands for one.
SELECT eventlog_test.append_committed(10, '[{"n": 1}]');
SELECT count(*) FROM eventlog.get_event('billing', 10);
SELECT eventlog_test.append_committed(eventlog._read_horizon() + 1000, '[{"later": true}]');

SELECT results_eq(
  $$SELECT lag_events, held_back_by_pid FROM eventlog.clients WHERE client = 'billing'$$,
  $$VALUES (1::bigint, pg_backend_pid())$$,
  'a committed event the client cannot read yet counts as lag, and the view names the transaction holding it'
);
SELECT ok(
  (SELECT held_back_for >= interval '0' FROM eventlog.clients WHERE client = 'billing'),
  'with how long that transaction has been open'
);
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 10)$$),
  '{}'::bigint[],
  'get_event indeed returns nothing yet'
);

SELECT * FROM finish();
ROLLBACK;
