BEGIN;
SELECT plan(8);
SELECT eventlog_test.reset();
DELETE FROM eventlog.idempotency_keys;

SELECT results_eq(
  $$SELECT version FROM eventlog.append_to_stream('account-2', '[{"type": "opened", "payload": {}}]', expected_version => 0)$$,
  ARRAY[1],
  'expected_version 0 appends to a stream that does not exist yet'
);
SELECT throws_ok(
  $$SELECT eventlog.append_to_stream('account-2', '[{"type": "opened", "payload": {}}]', expected_version => 0)$$,
  'EL020',
  'stream ''account-2'' is at version 1, not at the expected version 0',
  'expected_version 0 is refused once the stream exists, naming the stream and both versions'
);
SELECT results_eq(
  $$SELECT version FROM eventlog.append_to_stream('account-2',
      '[{"type": "deposited", "payload": {"amount": 1}}, {"type": "deposited", "payload": {"amount": 2}}]', 1)$$,
  ARRAY[2, 3],
  'expected_version N appends when the stream is at N'
);
SELECT throws_ok(
  $$SELECT eventlog.append_to_stream('account-2', '[{"type": "deposited", "payload": {"amount": 3}}]', 2)$$,
  'EL020',
  'stream ''account-2'' is at version 3, not at the expected version 2',
  'a stale expected version is refused'
);
SELECT throws_ok(
  $$SELECT eventlog.append_to_stream('account-2', '[{"type": "deposited", "payload": {"amount": 3}}]', 7)$$,
  'EL020',
  'stream ''account-2'' is at version 3, not at the expected version 7',
  'an expected version ahead of the stream is refused'
);
SELECT throws_ok(
  $$SELECT eventlog.append_to_stream('account-3', '[{"type": "deposited", "payload": {"amount": 3}}]', 1)$$,
  'EL020',
  'stream ''account-3'' is at version 0, not at the expected version 1',
  'an expected version for a stream that does not exist is refused'
);
SELECT throws_ok(
  $$SELECT eventlog.append_to_stream('account-2', '[{"type": "deposited", "payload": {"amount": 4}}]', 1, 'retry-me')$$,
  'EL020',
  'stream ''account-2'' is at version 3, not at the expected version 1',
  'a conflicting call with an idempotency key is refused too'
);
SELECT results_eq(
  $$SELECT version FROM eventlog.append_to_stream('account-2', '[{"type": "closed", "payload": {}}]', NULL)$$,
  ARRAY[4],
  'expected_version NULL appends at any version'
);

SELECT * FROM finish();
ROLLBACK;
