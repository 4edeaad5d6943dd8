BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();

SELECT eventlog.append_to_stream('customer-3', '[
  {"type": "registered", "payload": {"email": "a@example.com", "n": 1}},
  {"type": "email_changed", "payload": {"email": "b@example.com", "n": 2}},
  {"type": "newsletter_sent", "payload": {"email": "b@example.com", "n": 3}}]');

SELECT results_eq(
  $$SELECT events_changed FROM eventlog.forget('customer-3', ARRAY['email'], ARRAY['registered', 'email_changed'])$$,
  ARRAY[2],
  'two events of the given types changed'
);
SELECT results_eq(
  $$SELECT payload FROM eventlog.read_stream('customer-3')$$,
  $$VALUES ('{"n": 1}'::jsonb), ('{"n": 2}'), ('{"email": "b@example.com", "n": 3}')$$,
  'events of other types keep the key'
);

SELECT * FROM finish();
ROLLBACK;
