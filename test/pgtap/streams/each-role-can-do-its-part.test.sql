BEGIN;
SELECT plan(10);
SELECT eventlog_test.reset();
DELETE FROM eventlog.snapshots;
DELETE FROM eventlog.idempotency_keys;

-- Each call runs as the role named, the way an application's login role would (etags_as).
SELECT is(cardinality(eventlog_test.etags_as('eventlog_writer',
  $$SELECT * FROM eventlog.append_to_stream('cart-r', '[{"type": "opened", "payload": {"email": "e@example.com"}}, {"type": "added", "payload": {}}]', 0, 'r-1')$$)),
  2, 'a writer appends to a stream with an expected version and a key');
SELECT is(cardinality(eventlog_test.etags_as('eventlog_writer',
  $$SELECT 0::bigint AS etag FROM eventlog.save_snapshot('cart-r', 2, '{"email": "e@example.com"}')$$)),
  1, 'a writer saves a snapshot');
SELECT is(cardinality(eventlog_test.etags_as('eventlog_writer',
  $$SELECT eventlog.stream_version('cart-r')::bigint AS etag$$)),
  1, 'a writer reads the stream version');
SELECT is(cardinality(eventlog_test.etags_as('eventlog_reader', $$SELECT * FROM eventlog.read_stream('cart-r')$$)),
  2, 'a reader reads the stream');
SELECT is(cardinality(eventlog_test.etags_as('eventlog_reader', $$SELECT * FROM eventlog.load_stream('cart-r')$$)),
  1, 'a reader loads the stream (the snapshot)');
SELECT is(cardinality(eventlog_test.etags_as('eventlog_reader', $$SELECT version::bigint AS etag FROM eventlog.load_snapshot('cart-r')$$)),
  1, 'a reader loads the snapshot');
SELECT is(cardinality(eventlog_test.etags_as('eventlog_reader', $$SELECT last_etag AS etag FROM eventlog.stream_heads$$)),
  1, 'a reader lists the streams');
SELECT throws_ok($$SELECT eventlog_test.etags_as('eventlog_writer', 'SELECT audit_etag AS etag FROM eventlog.forget(''cart-r'', ARRAY[''email''])')$$,
  '42501', NULL, 'a writer cannot forget');
SELECT is(cardinality(eventlog_test.etags_as('eventlog_admin', $$SELECT audit_etag AS etag FROM eventlog.forget('cart-r', ARRAY['email'])$$)),
  1, 'an admin forgets');
SELECT is(cardinality(eventlog_test.etags_as('eventlog_admin', $$SELECT eventlog.expire_idempotency_keys('0') AS etag$$)),
  1, 'an admin expires idempotency keys');

SELECT * FROM finish();
ROLLBACK;
