BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();
DELETE FROM eventlog.idempotency_keys;

SELECT eventlog.append_to_stream('account-4', '[{"type": "opened", "payload": {}}]');
CREATE TEMP TABLE first_call AS
  SELECT * FROM eventlog.append_to_stream('account-4',
    '[{"type": "deposited", "payload": {"amount": 10}}, {"type": "deposited", "payload": {"amount": 20}}]',
    1, 'deposit-77');

SELECT is((SELECT array_agg(version ORDER BY version) FROM first_call), ARRAY[2, 3], 'the first call appends versions 2 and 3');
SELECT results_eq(
  $$SELECT * FROM eventlog.append_to_stream('account-4',
      '[{"type": "deposited", "payload": {"amount": 10}}, {"type": "deposited", "payload": {"amount": 20}}]',
      1, 'deposit-77')$$,
  $$SELECT * FROM first_call ORDER BY version$$,
  'a repeated call returns the first call''s rows'
);
SELECT results_eq(
  $$SELECT etag FROM eventlog.append_to_stream('account-4',
      '[{"type":"deposited","payload":{"amount":10}},{"payload":{"amount":20},"type":"deposited"}]',
      NULL, 'deposit-77')$$,
  $$SELECT etag FROM first_call ORDER BY version$$,
  'the same events written differently (spacing, key order) and another expected version are a repeat too'
);
SELECT is((SELECT count(*) FROM eventlog.events WHERE stream = 'account-4'), 3::bigint, 'the repeats wrote nothing');
SELECT is(eventlog.stream_version('account-4'), 3, 'the stream version did not move');
SELECT results_eq(
  $$SELECT stream, first_version, last_version FROM eventlog.idempotency_keys$$,
  $$VALUES ('account-4', 2, 3)$$,
  'the key records the stream and the versions of the first call'
);

SELECT * FROM finish();
ROLLBACK;
