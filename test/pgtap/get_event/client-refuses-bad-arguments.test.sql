BEGIN;
SELECT plan(15);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

SELECT throws_ok($$SELECT eventlog.get_event('billing', 0)$$, '22023', 'max_rows must be between 1 and 10000, got 0', 'max_rows 0');
SELECT throws_ok($$SELECT eventlog.get_event('billing', -1)$$, '22023', 'max_rows must be between 1 and 10000, got -1', 'negative max_rows');
SELECT throws_ok($$SELECT eventlog.get_event('billing', 10001)$$, '22023', 'max_rows must be between 1 and 10000, got 10001', 'max_rows too large');
SELECT throws_ok($$SELECT eventlog.get_event('billing', NULL)$$, '22023', 'max_rows must be between 1 and 10000, got NULL', 'NULL max_rows');
SELECT throws_ok($$SELECT eventlog.get_event('', 1)$$, '22023', 'client must not be empty', 'an empty name');
SELECT throws_ok(format('SELECT eventlog.get_event(%L, 1)', repeat('x', 201)), '22023', NULL, 'a name over 200 characters');
SELECT throws_ok($$SELECT eventlog.get_event(E'bill\ning', 1)$$, '22023', NULL, 'a name with a control character');
SELECT throws_ok($$SELECT eventlog.get_event(NULL::text)$$, '22004', 'client must not be NULL', 'a NULL name: the message names the argument passed, not after_etag');
SELECT throws_ok($$SELECT eventlog.get_event(NULL, 5)$$, '22004', 'client must not be NULL', 'an untyped NULL resolves to the client overload, and says so');
SELECT throws_ok($$SELECT eventlog.get_event(NULL::text, 1, 0, 2)$$, '22004', 'client must not be NULL', 'a NULL name for a group');
SELECT throws_ok($$SELECT eventlog.get_event('1005', 1, 0, 2)$$, '22023', 'client name ''1005'' reads as an etag', 'a name that reads as an etag');
SELECT throws_ok($$SELECT eventlog.get_event('billing', 1, 0, 0)$$, '22023', 'members must be between 1 and 1024, got 0', 'members 0');
SELECT throws_ok($$SELECT eventlog.get_event('billing', 1, 0, 1025)$$, '22023', 'members must be between 1 and 1024, got 1025', 'members too large');
SELECT throws_ok($$SELECT eventlog.get_event('billing', 1, 2, 2)$$, '22023', 'member must be between 0 and 1 for a group of 2 members, got 2', 'member out of range');
SELECT throws_ok($$SELECT eventlog.get_event('billing', 1, NULL, 2)$$, '22004', 'member must not be NULL', 'NULL member');

SELECT * FROM finish();
ROLLBACK;
