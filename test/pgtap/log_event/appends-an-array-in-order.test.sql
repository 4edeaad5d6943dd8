BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

CREATE TEMP TABLE appended AS
  SELECT row_number() OVER () AS n, * FROM eventlog.log_event('[{"i": 1}, {"i": 2}, {"i": 3}]', 'counted');

SELECT is((SELECT count(*) FROM appended), 3::bigint, 'an array appends one event per element');
SELECT results_eq(
  'SELECT payload FROM appended ORDER BY etag',
  $$VALUES ('{"i": 1}'::jsonb), ('{"i": 2}'::jsonb), ('{"i": 3}'::jsonb)$$,
  'etags follow array order'
);
SELECT results_eq(
  'SELECT etag FROM appended ORDER BY n',
  'SELECT etag FROM appended ORDER BY etag',
  'rows are returned in array order'
);
SELECT is((SELECT count(DISTINCT tx_order) FROM appended), 1::bigint, 'the events share one log position, so they stay contiguous');

SELECT * FROM finish();
ROLLBACK;
