BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();
DELETE FROM eventlog.idempotency_keys;

SELECT eventlog.append_to_stream('account-5', '[{"type": "deposited", "payload": {"amount": 10}}]', 0, 'req-1');

SELECT throws_ok(
  $$SELECT eventlog.append_to_stream('account-5', '[{"type": "deposited", "payload": {"amount": 11}}]', NULL, 'req-1')$$,
  'EL021',
  'idempotency key ''req-1'' was first used for other events',
  'the key with other events is refused'
);
SELECT throws_ok(
  $$SELECT eventlog.append_to_stream('account-6', '[{"type": "deposited", "payload": {"amount": 10}}]', NULL, 'req-1')$$,
  'EL021',
  'idempotency key ''req-1'' was first used for other events',
  'the key with the same events on another stream is refused (keys are unique across streams)'
);

SELECT * FROM finish();
ROLLBACK;
