BEGIN;
SELECT plan(1);
SELECT eventlog_test.reset();

-- _refuse_append is granted to writers only because the append check trigger runs as the inserting
-- role. Called directly with a row the check would accept, it refuses the call with a documented
-- SQLSTATE instead of an internal error.
SET LOCAL ROLE eventlog_writer;
SELECT throws_ok(
  $$SELECT eventlog._refuse_append(ROW(NULL, NULL, now(), 'event', NULL, NULL, '{}', '{}')::eventlog.events)$$,
  '22023', 'the row has nothing to refuse: _refuse_append is called only by the append check trigger',
  'a direct call with a valid row'
);
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
