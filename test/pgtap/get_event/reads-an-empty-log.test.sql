BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();

SELECT is((SELECT count(*) FROM eventlog.get_event()), 0::bigint, 'get_event() on an empty log returns no rows');
SELECT is((SELECT count(*) FROM eventlog.get_event(0, 100)), 0::bigint, 'get_event(0, 100) on an empty log returns no rows');

SELECT * FROM finish();
ROLLBACK;
