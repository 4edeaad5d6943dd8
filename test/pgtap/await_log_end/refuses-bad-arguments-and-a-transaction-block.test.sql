BEGIN;
SELECT plan(9);
SELECT eventlog_test.reset();

-- Every refusal comes before the first check (and so before the first COMMIT, which a pgTAP
-- transaction could not take). What a wait returns is shown by test/push/, through CALL at the
-- top level.
SELECT throws_ok($$CALL eventlog.await_log_end(NULL, NULL)$$, '22004', 'after_etag must not be NULL', 'refuses a NULL after_etag');
SELECT throws_ok($$CALL eventlog.await_log_end(NULL, 0, NULL)$$, '22004', 'timeout_ms must not be NULL', 'refuses a NULL timeout_ms');
SELECT throws_ok($$CALL eventlog.await_log_end(NULL, 0, 10, NULL)$$, '22004', 'interval_ms must not be NULL', 'refuses a NULL interval_ms');
SELECT throws_ok($$CALL eventlog.await_log_end(NULL, 0, -1)$$, '22023', 'timeout_ms must be between 0 and 60000, got -1', 'refuses a negative timeout');
SELECT throws_ok($$CALL eventlog.await_log_end(NULL, 0, 60001)$$, '22023', 'timeout_ms must be between 0 and 60000, got 60001', 'refuses a timeout over a minute');
SELECT throws_ok($$CALL eventlog.await_log_end(NULL, 0, 10, 0)$$, '22023', 'interval_ms must be between 1 and 1000, got 0', 'refuses an interval below a millisecond');
SELECT throws_ok($$CALL eventlog.await_log_end(NULL, 0, 10, 1, '')$$, '22023', 'notify_channel must not be empty', 'refuses an empty channel name');
-- Inside a transaction block (this one) it cannot commit between its checks, so a call that has
-- to wait (the empty log ends at 0) is refused rather than hold its locks for the whole wait; one
-- that returns at its first check never commits, and works anywhere. The timeout is long: a call
-- whose first check (the session's first log_end(), which plans it) outlasts the timeout returns
-- there without committing, so 10 ms made this depend on the machine's speed (it failed once in
-- CI). The refusal comes at the first COMMIT, so the test does not wait for it.
SELECT throws_ok($$CALL eventlog.await_log_end(NULL, 0, 5000, 1)$$, '2D000', NULL, 'inside a transaction block a call that has to wait cannot commit, and says so');
CREATE TEMP TABLE got (log_end bigint);
DO $$
DECLARE
  v_end bigint;
BEGIN
  CALL eventlog.await_log_end(v_end, -1, 10, 1);
  INSERT INTO got VALUES (v_end);
END;
$$;
SELECT is((SELECT log_end FROM got), 0::bigint, 'a call whose end already differs returns it at once, inside a transaction too');

SELECT * FROM finish();
ROLLBACK;
