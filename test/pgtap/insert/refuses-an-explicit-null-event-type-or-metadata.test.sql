BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();

-- An explicit NULL for a NOT NULL column is refused with the column's own SQLSTATE (23502) and a
-- message naming the column, by the append check, before the constraint would see it (that check
-- used to fall through to an internal error for metadata).
SET LOCAL ROLE eventlog_writer;
SELECT throws_ok($$INSERT INTO eventlog.events (payload, metadata) VALUES ('{}', NULL)$$, '23502', 'metadata must not be NULL', 'an explicit NULL metadata');
SELECT throws_ok($$INSERT INTO eventlog.events (payload, event_type) VALUES ('{}', NULL)$$, '23502', 'event_type must not be NULL', 'an explicit NULL event_type');
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
