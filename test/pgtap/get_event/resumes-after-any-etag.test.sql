BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

CREATE TEMP TABLE appended AS
  SELECT row_number() OVER () AS n, etag
  FROM eventlog_test.append_committed(10, '[{"i": 1}, {"i": 2}, {"i": 3}, {"i": 4}, {"i": 5}]') AS etag;

SELECT is(
  eventlog_test.etags_after(0, 2),
  (SELECT array_agg(etag ORDER BY n) FROM appended WHERE n <= 2),
  'max_rows bounds the batch'
);
SELECT is(
  eventlog_test.etags_after((SELECT etag FROM appended WHERE n = 2), 2),
  (SELECT array_agg(etag ORDER BY n) FROM appended WHERE n IN (3, 4)),
  'the next batch starts right after the last etag seen'
);
SELECT is(
  eventlog_test.etags_after((SELECT etag FROM appended WHERE n = 4), 10),
  (SELECT array_agg(etag ORDER BY n) FROM appended WHERE n = 5),
  'a short batch means the reader has caught up'
);
SELECT is(
  eventlog_test.etags_after((SELECT etag FROM appended WHERE n = 5), 10),
  '{}'::bigint[],
  'after the last event there is nothing'
);

SELECT * FROM finish();
ROLLBACK;
