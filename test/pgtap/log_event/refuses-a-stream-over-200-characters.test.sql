BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();

SELECT throws_ok(
  $$SELECT eventlog.log_event('{}', 'item_added', repeat('s', 201))$$, '22023',
  'stream ''' || repeat('s', 100) || '''... is 201 characters long, over the limit of 200',
  'a stream of 201 characters, shown cut at 100'
);
SELECT throws_ok(
  $$SELECT eventlog.log_event('[{"n": 1}]', 'item_added', repeat('é', 250))$$, '22023',
  'stream ''' || repeat('é', 100) || '''... is 250 characters long, over the limit of 200',
  'characters, not bytes, are counted'
);
SELECT is(
  (SELECT stream FROM eventlog.log_event('{}', 'item_added', repeat('s', 200))),
  repeat('s', 200),
  'a stream of exactly 200 characters is accepted'
);

SELECT * FROM finish();
ROLLBACK;
