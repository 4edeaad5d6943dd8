BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();
DELETE FROM eventlog.idempotency_keys;

SELECT eventlog.append_to_stream('s-exp', '[{"type": "a", "payload": {}}]', NULL, 'new-key');
SELECT eventlog.append_to_stream('s-exp', '[{"type": "b", "payload": {}}]', NULL, 'old-key');
-- As if old-key had been used ten days ago.
UPDATE eventlog.idempotency_keys SET ctime = now() - interval '10 days' WHERE idempotency_key = 'old-key';

SELECT is(eventlog.expire_idempotency_keys('7 days'), 1::bigint, 'one key is older than 7 days');
SELECT results_eq($$SELECT idempotency_key FROM eventlog.idempotency_keys$$, ARRAY['new-key'], 'the newer key stays');
SELECT results_eq(
  $$SELECT version FROM eventlog.append_to_stream('s-exp', '[{"type": "b", "payload": {}}]', NULL, 'old-key')$$,
  ARRAY[3],
  'an expired key is a new key again: the call appends'
);
SELECT throws_ok($$SELECT eventlog.expire_idempotency_keys(NULL)$$, '22004', 'older_than must not be NULL', 'NULL age');
SELECT throws_ok($$SELECT eventlog.expire_idempotency_keys('-1 day')$$, '22023', 'older_than must not be negative, got -1 days', 'negative age');
SELECT ok(NOT has_function_privilege('eventlog_writer', 'eventlog.expire_idempotency_keys(interval)', 'EXECUTE'), 'only admins expire keys');

SELECT * FROM finish();
ROLLBACK;
