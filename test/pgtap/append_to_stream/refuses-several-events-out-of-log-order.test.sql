BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();

-- As if a transaction that began writing after this one had appended to account-9 and committed.
-- append_to_stream with several events reserves its versions itself, and refuses that with 40001
-- as the stream version trigger does for one event (test/pgtap/insert/refuses-a-stream-version-out-of-log-order).
SELECT eventlog_test.append_committed_to(
  pg_current_xact_id()::text::bigint + eventlog._clock_offset() + 1000, 'account-9', '[{"by": "later"}]');

SET LOCAL ROLE eventlog_writer;
SELECT throws_ok(
  $$SELECT eventlog.append_to_stream('account-9', '[{"type": "a", "payload": {}}, {"type": "b", "payload": {}}]')$$,
  '40001',
  'stream ''account-9'' was appended to by a transaction that began writing after this one and committed first',
  'several events that would come before version 1 in the log are refused'
);
RESET ROLE;
SELECT results_eq(
  $$SELECT version, reserved_from FROM eventlog.streams WHERE stream = 'account-9'$$,
  $$VALUES (1, NULL::integer)$$,
  'the stream''s row is left as it was'
);
SELECT is(
  (SELECT count(*) FROM eventlog.events WHERE stream = 'account-9'),
  1::bigint,
  'and nothing was appended'
);

SELECT * FROM finish();
ROLLBACK;
