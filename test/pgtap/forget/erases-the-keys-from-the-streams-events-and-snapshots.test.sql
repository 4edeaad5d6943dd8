BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();
DELETE FROM eventlog.snapshots;

SELECT eventlog.append_to_stream('customer-1', '[
  {"type": "registered", "payload": {"name": "Ada", "email": "ada@example.com", "plan": "pro", "address": {"city": "London"}}},
  {"type": "email_changed", "payload": {"email": "ada@lovelace.org"}},
  {"type": "upgraded", "payload": {"plan": "team"}}]');
SELECT eventlog.append_to_stream('customer-2', '[{"type": "registered", "payload": {"name": "Grace", "email": "grace@example.com"}}]');
SELECT eventlog.save_snapshot('customer-1', 3, '{"name": "Ada", "email": "ada@lovelace.org", "plan": "team"}');

SELECT results_eq(
  $$SELECT events_changed, snapshots_changed FROM eventlog.forget('customer-1', ARRAY['name', 'email', 'address'])$$,
  $$VALUES (2, 1)$$,
  'forget reports the events and snapshots it changed'
);
SELECT results_eq(
  $$SELECT version, payload FROM eventlog.read_stream('customer-1')$$,
  $$VALUES (1, '{"plan": "pro"}'::jsonb), (2, '{}'), (3, '{"plan": "team"}')$$,
  'the top-level keys (with what is nested under them) are gone from the stream''s events; other keys stay'
);
SELECT results_eq(
  $$SELECT state FROM eventlog.load_snapshot('customer-1')$$,
  $$VALUES ('{"plan": "team"}'::jsonb)$$,
  'and from its snapshots'
);
SELECT results_eq(
  $$SELECT payload FROM eventlog.read_stream('customer-2')$$,
  $$VALUES ('{"name": "Grace", "email": "grace@example.com"}'::jsonb)$$,
  'other streams keep those keys'
);
SELECT results_eq(
  $$SELECT events_changed, snapshots_changed FROM eventlog.forget('customer-1', ARRAY['email'])$$,
  $$VALUES (0, 0)$$,
  'forgetting again changes nothing'
);
SELECT is(eventlog.stream_version('customer-1'), 3, 'the stream version does not move (the audit event is in no stream)');

SELECT * FROM finish();
ROLLBACK;
