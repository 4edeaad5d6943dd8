BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();
DELETE FROM eventlog.idempotency_keys;

-- Several events in one call reserve their versions with one write of the stream's row (and one
-- more to clear the reservation), instead of one upsert per event (docs/streams.md, "One update
-- per call"). pg_stat_xact_user_tables counts this transaction's row writes.
SET LOCAL ROLE eventlog_writer;
SELECT results_eq(
  $$SELECT version FROM eventlog.append_to_stream('order-7',
      (SELECT jsonb_agg(jsonb_build_object('type', 'line_added', 'payload', jsonb_build_object('line', g)) ORDER BY g)
       FROM generate_series(1, 10) AS g), 0)$$,
  ARRAY[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  'ten events of a new stream get versions 1..10, in array order'
);
RESET ROLE;
SELECT is(
  (SELECT n_tup_ins + n_tup_upd FROM pg_catalog.pg_stat_xact_user_tables WHERE relid = 'eventlog.streams'::regclass),
  2::bigint,
  'the stream''s row was written twice for the ten events: the reservation and its release'
);

SET LOCAL ROLE eventlog_writer;
SELECT results_eq(
  $$SELECT version FROM eventlog.append_to_stream('order-7',
      (SELECT jsonb_agg(jsonb_build_object('type', 'line_added', 'payload', jsonb_build_object('line', g)) ORDER BY g)
       FROM generate_series(11, 20) AS g), 10, 'order-7 lines 11-20')$$,
  ARRAY[11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
  'ten more, with an expected version and an idempotency key, get 11..20'
);
RESET ROLE;
SELECT is(
  (SELECT n_tup_ins + n_tup_upd FROM pg_catalog.pg_stat_xact_user_tables WHERE relid = 'eventlog.streams'::regclass),
  4::bigint,
  'and two more writes of the row'
);
SELECT results_eq(
  $$SELECT version, reserved_from FROM eventlog.streams WHERE stream = 'order-7'$$,
  $$VALUES (20, NULL::integer)$$,
  'the row is at version 20 and holds no reservation after the call'
);
SELECT is(
  (SELECT first_version || '..' || last_version FROM eventlog.idempotency_keys WHERE idempotency_key = 'order-7 lines 11-20'),
  '11..20',
  'the idempotency key records the versions the call appended'
);

SELECT * FROM finish();
ROLLBACK;
