BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

SELECT results_eq(
  $$SELECT version FROM eventlog.log_event('[{"a": 1}, {"a": 2}]', 'opened', 'account-7')$$,
  ARRAY[1, 2],
  'the first events of a stream get versions 1 and 2'
);
SELECT results_eq(
  $$SELECT version FROM eventlog.log_event('{"a": 3}', 'credited', 'account-7', '{"by": "test"}')$$,
  ARRAY[3],
  'the next append continues the stream'
);
SELECT results_eq(
  $$SELECT version FROM eventlog.log_event('{"b": 1}', 'opened', 'account-8')$$,
  ARRAY[1],
  'another stream starts at 1'
);
SELECT is(
  (SELECT version FROM eventlog.streams WHERE stream = 'account-7'),
  3,
  'streams records the latest version'
);

SELECT * FROM finish();
ROLLBACK;
