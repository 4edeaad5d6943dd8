BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();

SELECT eventlog.append_to_stream('order-1', '[{"type": "placed", "payload": {"n": 1}}, {"type": "paid", "payload": {"n": 2}}]');
SELECT eventlog.log_event('{"other": true}', 'noise', 'order-2');
SELECT eventlog.append_to_stream('order-1', '[{"type": "shipped", "payload": {"n": 3}}, {"type": "delivered", "payload": {"n": 4}}]');

SELECT results_eq(
  $$SELECT version, event_type FROM eventlog.read_stream('order-1')$$,
  $$VALUES (1, 'placed'), (2, 'paid'), (3, 'shipped'), (4, 'delivered')$$,
  'the whole stream, in version order, without other streams'
);
SELECT results_eq(
  $$SELECT version FROM eventlog.read_stream('order-1', 2)$$,
  ARRAY[3, 4],
  'after_version skips the versions up to it'
);
SELECT results_eq(
  $$SELECT version FROM eventlog.read_stream('order-1', 1, 2)$$,
  ARRAY[2, 3],
  'max_rows limits the batch'
);
SELECT is((SELECT count(*) FROM eventlog.read_stream('order-1', 4)), 0::bigint, 'nothing after the last version');
SELECT is((SELECT count(*) FROM eventlog.read_stream('order-404')), 0::bigint, 'a stream without events reads empty');

SELECT * FROM finish();
ROLLBACK;
