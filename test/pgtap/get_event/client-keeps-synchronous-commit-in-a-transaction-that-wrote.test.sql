BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

-- This transaction has written (reset), so its commit must stay as durable as configured:
-- only a transaction whose first write is the cursor move may commit asynchronously. Mode auto
-- would keep it for another reason (the call is not the transaction's first statement), so the
-- two halves use the modes that do relax: the default, and off set explicitly.
SET LOCAL synchronous_commit = on;  -- throwaway test clusters default to off
SELECT eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}, {"n": 3}]');
CREATE TEMP TABLE configured AS SELECT current_setting('synchronous_commit') AS value;

SELECT is(
  (SELECT count(*) FROM eventlog.get_event('billing', 1)),
  1::bigint,
  'the call moved the cursor'
);
SELECT is(
  current_setting('synchronous_commit'),
  (SELECT value FROM configured),
  'synchronous_commit is unchanged with eventlog.synchronous_cursors unset (the default, off)'
);
SET LOCAL eventlog.synchronous_cursors = 'OFF';
SELECT is(
  (SELECT count(*) FROM eventlog.get_event('billing', 1)),
  1::bigint,
  'with eventlog.synchronous_cursors = ''OFF'' set explicitly, the call moved the cursor'
);
SELECT is(
  current_setting('synchronous_commit'),
  (SELECT value FROM configured),
  'and synchronous_commit is still unchanged, because the transaction wrote before'
);

SELECT * FROM finish();
ROLLBACK;
