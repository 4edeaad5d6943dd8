BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();
DELETE FROM eventlog.snapshots;

SELECT eventlog.append_to_stream('s-1', '[{"type": "a", "payload": {}}, {"type": "b", "payload": {}}]');
SELECT eventlog.append_to_stream('s-2', '[{"type": "a", "payload": {}}]');
SELECT eventlog.save_snapshot('s-1', 1, '{"n": 1}');

SELECT results_eq(
  $$SELECT stream, version, last_etag, last_appended_at, snapshot_version FROM eventlog.stream_heads ORDER BY stream$$,
  $$SELECT e.stream, e.version, e.etag, e.ctime, CASE WHEN e.stream = 's-1' THEN 1 END
    FROM eventlog.events AS e WHERE (e.stream, e.version) IN (('s-1', 2), ('s-2', 1)) ORDER BY e.stream$$,
  'each stream with its version, its latest event''s etag and time, and its newest snapshot'
);
SELECT ok(has_table_privilege('eventlog_reader', 'eventlog.stream_heads', 'SELECT'), 'readers can list streams');

SELECT * FROM finish();
ROLLBACK;
