BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');

-- Called directly, the helper would leave the triggers without their registration.
SELECT throws_ok($$SELECT eventlog._unregister_tracked_table('capture_test.items')$$, 'EL044',
  'table capture_test.items still has its capture triggers (_100_capture_delete, _100_capture_insert, _100_capture_revision, _100_capture_truncate, _100_capture_update)',
  'the helper refuses to unregister a table that still has its capture triggers');
INSERT INTO capture_test.items VALUES (1);
SELECT is((SELECT count(*) FROM eventlog.events WHERE stream = 'capture_test.items:1'), 1::bigint,
  'the table is still tracked: its insert was captured');
SELECT lives_ok($$SELECT eventlog.untrack_table('capture_test.items')$$, 'untrack_table, which drops the triggers first, still unregisters it');

SELECT * FROM finish();
ROLLBACK;
