BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();

-- The stream version trigger numbers append_to_stream's events from the setting
-- eventlog.stream_reservation only while the stream's row, as this transaction sees it, holds a
-- reservation covering that version (docs/streams.md, "One update per call"). Any role can set
-- the setting; setting it outside append_to_stream must give no version.
SET LOCAL ROLE eventlog_writer;
SELECT results_eq(
  $$SELECT version FROM eventlog.append_to_stream('account-3', '[{"type": "opened", "payload": {}}, {"type": "deposited", "payload": {"amount": 5}}]')$$,
  ARRAY[1, 2],
  'append_to_stream gives its two events versions 1 and 2'
);
SELECT set_config('eventlog.stream_reservation', E'1\naccount-3', true);
SELECT results_eq(
  $$INSERT INTO eventlog.events (stream, payload) VALUES ('account-3', '{"forged": 1}') RETURNING version$$,
  ARRAY[3],
  'an INSERT after a setting that names a used version gets the next version, not that one'
);
SELECT set_config('eventlog.stream_reservation', E'9\naccount-3', true);
SELECT results_eq(
  $$SELECT version FROM eventlog.log_event('{"forged": 9}', 'e', 'account-3')$$,
  ARRAY[4],
  'one that names a version ahead gets the next version, no gap'
);
SELECT results_eq(
  $$SELECT version FROM eventlog.append_to_stream('account-3', '[{"type": "a", "payload": {}}, {"type": "b", "payload": {}}]', 4)$$,
  ARRAY[5, 6],
  'append_to_stream replaces the setting with its own reservation'
);
SELECT throws_ok(
  $$UPDATE eventlog.streams SET reserved_from = 1 WHERE stream = 'account-3'$$,
  '42501', NULL,
  'a writer cannot make a reservation of its own in the stream''s row'
);
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
