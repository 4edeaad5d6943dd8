BEGIN;
SELECT plan(11);
SELECT eventlog_test.reset();

SELECT eventlog.append_to_stream('customer-5', '[{"type": "registered", "payload": {"email": "e@example.com"}}]');

SELECT throws_ok($$SELECT eventlog.forget(NULL, ARRAY['email'])$$, '22004', 'stream must not be NULL', 'NULL stream');
SELECT throws_ok($$SELECT eventlog.forget('', ARRAY['email'])$$, '22023', 'stream must not be empty', 'empty stream');
SELECT throws_ok($$SELECT eventlog.forget('customer-404', ARRAY['email'])$$, 'EL022', 'stream ''customer-404'' does not exist', 'unknown stream');
SELECT throws_ok($$SELECT eventlog.forget('customer-5', NULL)$$, '22004', 'keys must not be NULL', 'NULL keys');
SELECT throws_ok($$SELECT eventlog.forget('customer-5', '{}')$$, '22023', 'keys must be a one-dimensional, non-empty array, got ''{}''', 'no keys');
SELECT throws_ok($$SELECT eventlog.forget('customer-5', ARRAY[['a'], ['b']])$$, '22023', 'keys must be a one-dimensional, non-empty array, got ''{{a},{b}}''', 'a two-dimensional array');
SELECT throws_ok($$SELECT eventlog.forget('customer-5', ARRAY['email', NULL])$$, '22023', 'key 2 of keys is NULL', 'a NULL key');
SELECT throws_ok($$SELECT eventlog.forget('customer-5', ARRAY[''])$$, '22023', 'key 1 of keys is empty', 'an empty key');
SELECT throws_ok($$SELECT eventlog.forget('customer-5', ARRAY[1, 2])$$, '42883', NULL, 'keys that are not text');
SELECT throws_ok($$SELECT eventlog.forget('customer-5', ARRAY['email'], '{}')$$, '22023', NULL, 'an empty event_types array');
SELECT throws_ok($$SELECT eventlog.forget('customer-5', ARRAY['email'], ARRAY['registered', ''])$$, '22023', 'event type 2 of event_types must not be empty', 'an empty event type');

SELECT * FROM finish();
ROLLBACK;
