BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();
DELETE FROM eventlog.idempotency_keys;

SELECT results_eq(
  $$SELECT event_type, version, payload, metadata FROM eventlog.append_to_stream('account-1',
      '[{"type": "opened", "payload": {"owner": "ada"}},
        {"type": "deposited", "payload": {"amount": 100}, "metadata": {"by": "teller"}},
        {"type": "deposited", "payload": {"amount": 5}, "metadata": null}]')$$,
  $$VALUES ('opened', 1, '{"owner": "ada"}'::jsonb, '{}'::jsonb),
           ('deposited', 2, '{"amount": 100}', '{"by": "teller"}'),
           ('deposited', 3, '{"amount": 5}', '{}')$$,
  'the events come back in array order with versions 1, 2, 3, their types, payloads and metadata'
);
SELECT is(
  (SELECT array_agg(version ORDER BY etag) FROM eventlog.events WHERE stream = 'account-1'),
  ARRAY[1, 2, 3],
  'they are in the log in array order'
);
SELECT is(
  (SELECT count(DISTINCT tx_order) FROM eventlog.events WHERE stream = 'account-1'),
  1::bigint,
  'they share one log position (one transaction)'
);
SELECT results_eq(
  $$SELECT version FROM eventlog.append_to_stream('account-1', '[{"type": "withdrawn", "payload": {"amount": 20}}]')$$,
  ARRAY[4],
  'the next call continues the stream'
);
SELECT is(eventlog.stream_version('account-1'), 4, 'the stream is at version 4');

SELECT * FROM finish();
ROLLBACK;
