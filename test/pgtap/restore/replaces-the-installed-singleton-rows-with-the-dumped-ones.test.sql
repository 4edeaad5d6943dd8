-- CREATE EXTENSION writes the clock's row, the compaction progress and the partition size before a
-- restore brings the dumped rows of those one-row tables. In a restore (_restoring()) the dumped
-- row replaces the installed one: the clock's comes from the old cluster, and _clock_offset() is
-- written again so that the next append verifies it; the partition size's rewrites
-- _partition_size(), which pg_dump does not dump for an extension install. Outside a restore a
-- second row is refused, as before. set_partition_size() keeps the table and the function alike.
BEGIN;
SELECT plan(10);
SELECT eventlog_test.reset();

SELECT throws_ok($$INSERT INTO eventlog.clock (system_identifier, xid_offset, verified_start) VALUES (1, 5, now())$$,
  '23505', NULL, 'outside a restore a second clock row is refused');
SELECT throws_ok($$INSERT INTO eventlog.partition_settings (partition_size) VALUES (500)$$,
  '23505', NULL, 'and a second partition size');

SELECT is(eventlog.set_partition_size(200), 200::bigint, 'set_partition_size(200) on an empty log');
SELECT results_eq($$SELECT partition_size, eventlog._partition_size() FROM eventlog.partition_settings$$,
  $$VALUES (200::bigint, 200::bigint)$$, 'records the size in partition_settings and in _partition_size()');

SET LOCAL check_function_bodies = off;
INSERT INTO eventlog.clock (singleton, system_identifier, xid_offset, verified_start)
VALUES (true, 12345, 777, '2001-02-03 04:05:06+00');
SELECT results_eq($$SELECT system_identifier, xid_offset, verified_start FROM eventlog.clock$$,
  $$VALUES (12345::bigint, 777::bigint, '2001-02-03 04:05:06+00'::timestamptz)$$,
  'in a restore the dumped clock row replaces the installed one');
SELECT matches(pg_get_functiondef('eventlog._clock_offset()'::regprocedure), 'THEN \(777\)::bigint',
  '_clock_offset() holds the dumped constants, whose start time is not this server''s');
SET LOCAL check_function_bodies = on;
SELECT cmp_ok((SELECT tx_order FROM eventlog.log_event('{"n": 1}')), '>=', 777::bigint + 1, 'the next append verifies the clock (another cluster''s) and orders after the old offset');
SELECT isnt((SELECT system_identifier FROM eventlog.clock), 12345::bigint, 'and the clock is this cluster''s again');
SET LOCAL check_function_bodies = off;

INSERT INTO eventlog.partition_settings (singleton, partition_size) VALUES (true, 300);
SELECT results_eq($$SELECT partition_size, eventlog._partition_size() FROM eventlog.partition_settings$$,
  $$VALUES (300::bigint, 300::bigint)$$, 'the dumped partition size replaces the installed one, and _partition_size() follows');

INSERT INTO eventlog.compaction_progress (singleton, tx_order, etag, pass_started_at) VALUES (true, 11, 12, '2001-01-01 00:00:00+00');
SELECT results_eq($$SELECT tx_order, etag, pass_started_at FROM eventlog.compaction_progress$$,
  $$VALUES (11::bigint, 12::bigint, '2001-01-01 00:00:00+00'::timestamptz)$$, 'and the dumped compaction progress');

SELECT * FROM finish();
ROLLBACK;
