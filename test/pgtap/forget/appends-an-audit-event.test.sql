BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();
DELETE FROM eventlog.snapshots;

SELECT eventlog.append_to_stream('customer-4', '[{"type": "registered", "payload": {"email": "secret@example.com", "phone": "+44 1"}}]');
SELECT eventlog.save_snapshot('customer-4', 1, '{"email": "secret@example.com"}');

CREATE TEMP TABLE result AS SELECT * FROM eventlog.forget('customer-4', ARRAY['email', 'phone'], ARRAY['registered']);

SELECT results_eq(
  $$SELECT event_type, stream, version FROM eventlog.events WHERE etag = (SELECT audit_etag FROM result)$$,
  $$VALUES ('stream_forgotten', NULL::text, NULL::integer)$$,
  'forget appends a stream_forgotten event outside any stream and returns its etag'
);
SELECT results_eq(
  $$SELECT payload - 'at' FROM eventlog.events WHERE etag = (SELECT audit_etag FROM result)$$,
  $$SELECT jsonb_build_object('stream', 'customer-4', 'keys', '["email", "phone"]'::jsonb, 'event_types', '["registered"]'::jsonb,
      'events_changed', 1, 'snapshots_changed', 1, 'by', session_user::text, 'session_user', session_user::text)$$,
  'it records the stream, the keys, the types, how many events and snapshots changed and who'
);
SELECT ok(
  (SELECT (payload ->> 'at')::timestamptz BETWEEN now() AND clock_timestamp() FROM eventlog.events WHERE etag = (SELECT audit_etag FROM result)),
  'and when'
);
SELECT ok(
  (SELECT payload::text !~ 'secret|\+44' FROM eventlog.events WHERE etag = (SELECT audit_etag FROM result)),
  'never the erased values'
);
SET LOCAL ROLE eventlog_admin;
SELECT audit_etag FROM eventlog.forget('customer-4', ARRAY['email']);
RESET ROLE;
SELECT results_eq(
  $$SELECT payload ->> 'by' FROM eventlog.events WHERE event_type = 'stream_forgotten' ORDER BY etag DESC LIMIT 1$$,
  ARRAY['eventlog_admin'],
  'who is the role the caller acts as'
);

SELECT * FROM finish();
ROLLBACK;
