BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

-- As if a transaction that began writing after this one had appended to account-9 and committed:
-- its event sits at a position after this transaction's.
SELECT eventlog_test.append_committed_to(
  pg_current_xact_id()::text::bigint + eventlog._clock_offset() + 1000, 'account-9', '[{"by": "later"}]');

SET LOCAL ROLE eventlog_writer;
SELECT throws_ok(
  $$INSERT INTO eventlog.events (stream, payload) VALUES ('account-9', '{"by": "this one"}')$$,
  '40001',
  'stream ''account-9'' was appended to by a transaction that began writing after this one and committed first',
  'an append that would put version 2 before version 1 in the log is refused'
);
SELECT throws_ok(
  $$SELECT eventlog.log_event('{"by": "this one"}', 'e', 'account-9')$$,
  '40001', NULL,
  'through log_event too'
);
SELECT lives_ok(
  $$INSERT INTO eventlog.events (stream, payload) VALUES ('account-10', '{"by": "this one"}')$$,
  'another stream is not affected'
);
SELECT lives_ok(
  $$INSERT INTO eventlog.events (stream, payload) VALUES ('account-10', '{"again": true}')$$,
  'nor a second append of the same transaction to its own stream'
);
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
