BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();
DELETE FROM eventlog.snapshots;

SELECT eventlog.append_to_stream('account-10', '[{"type": "opened", "payload": {}}, {"type": "deposited", "payload": {"amount": 10}}]');
SELECT results_eq(
  $$SELECT kind, version, event_type, data FROM eventlog.load_stream('account-10')$$,
  $$VALUES ('event', 1, 'opened', '{}'::jsonb), ('event', 2, 'deposited', '{"amount": 10}')$$,
  'without a snapshot: every event'
);
SELECT eventlog.save_snapshot('account-10', 2, '{"balance": 10}');
SELECT eventlog.append_to_stream('account-10', '[{"type": "deposited", "payload": {"amount": 5}}, {"type": "withdrawn", "payload": {"amount": 3}}]', 2);
SELECT results_eq(
  $$SELECT kind, version, event_type, data FROM eventlog.load_stream('account-10')$$,
  $$VALUES ('snapshot', 2, NULL, '{"balance": 10}'::jsonb), ('event', 3, 'deposited', '{"amount": 5}'), ('event', 4, 'withdrawn', '{"amount": 3}')$$,
  'after more appends: the snapshot, then only the events after it'
);
SELECT results_eq(
  $$SELECT etag, metadata, ctime FROM eventlog.load_stream('account-10') WHERE kind = 'event'$$,
  $$SELECT etag, metadata, ctime FROM eventlog.events WHERE stream = 'account-10' AND version > 2 ORDER BY version$$,
  'event rows carry their etag, metadata and ctime'
);
SELECT is((SELECT count(*) FROM eventlog.load_stream('account-404')), 0::bigint, 'a stream without events loads empty');
SELECT throws_ok($$SELECT * FROM eventlog.load_stream('')$$, '22023', 'stream must not be empty', 'empty stream');

SELECT * FROM finish();
ROLLBACK;
