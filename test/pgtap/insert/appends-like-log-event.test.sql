BEGIN;
SELECT plan(9);
SELECT eventlog_test.reset();

-- A plain INSERT by a role that is only a writer, with RETURNING.
SET LOCAL ROLE eventlog_writer;
CREATE TEMP TABLE inserted AS
  WITH new_rows AS (
    INSERT INTO eventlog.events (event_type, stream, payload, metadata)
    VALUES ('opened', 'account-1', '{"n": 1}', '{"by": "test"}'),
           ('credited', 'account-1', '{"n": 2}', '{}')
    RETURNING *
  )
  SELECT * FROM new_rows;
INSERT INTO inserted SELECT * FROM eventlog.log_event('{"n": 3}', 'credited', 'account-1');
WITH r AS (INSERT INTO eventlog.events (payload) VALUES ('{"n": 4}') RETURNING *)
INSERT INTO inserted SELECT * FROM r;
RESET ROLE;

SELECT is((SELECT count(*) FROM inserted), 4::bigint, 'RETURNING gives the new rows back, on both paths');
SELECT results_eq(
  $$SELECT version FROM inserted WHERE stream = 'account-1' ORDER BY etag$$,
  ARRAY[1, 2, 3],
  'INSERT and log_event number one stream together, without gaps'
);
SELECT is((SELECT version FROM eventlog.streams WHERE stream = 'account-1'), 3, 'streams records the latest version');
SELECT is(
  (SELECT count(DISTINCT tx_order) FROM inserted),
  1::bigint,
  'every event of the transaction has the same position, whatever the path'
);
SELECT is(
  (SELECT tx_order FROM inserted LIMIT 1),
  pg_current_xact_id()::text::bigint + (SELECT xid_offset FROM eventlog.clock),
  'the position is the transaction id plus the clock offset'
);
SELECT results_eq(
  $$SELECT (payload->>'n')::integer FROM inserted ORDER BY etag$$,
  ARRAY[1, 2, 3, 4],
  'etags keep insertion order'
);
SELECT is((SELECT event_type FROM inserted WHERE payload = '{"n": 4}'), 'event', 'event_type defaults to event');
SELECT is((SELECT metadata FROM inserted WHERE payload = '{"n": 4}'), '{}'::jsonb, 'metadata defaults to {}');
SELECT is(
  (SELECT ctime FROM inserted WHERE payload = '{"n": 4}'),
  now(),
  'ctime is the start of the transaction'
);

SELECT * FROM finish();
ROLLBACK;
