BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
DELETE FROM eventlog.idempotency_keys;

SELECT eventlog.log_event('[{"a": 1}, {"a": 2}]', 'opened', 'cart-9');
SELECT results_eq(
  $$SELECT version FROM eventlog.append_to_stream('cart-9', '[{"type": "item_added", "payload": {"sku": "TEA"}}]', 2)$$,
  ARRAY[3],
  'append_to_stream continues a stream log_event started, and sees its version'
);
SELECT results_eq(
  $$SELECT version FROM eventlog.log_event('{"sku": "CUP"}', 'item_added', 'cart-9')$$,
  ARRAY[4],
  'log_event continues after append_to_stream'
);
SELECT is(
  (SELECT version FROM eventlog.streams WHERE stream = 'cart-9'),
  4,
  'eventlog.streams holds the one version of the stream'
);

SELECT * FROM finish();
ROLLBACK;
