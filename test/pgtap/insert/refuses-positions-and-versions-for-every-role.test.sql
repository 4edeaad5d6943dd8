BEGIN;
SELECT plan(11);
SELECT eventlog_test.reset();

-- A writer cannot name the columns the database fills (column privileges).
SET LOCAL ROLE eventlog_writer;
SELECT throws_ok($$INSERT INTO eventlog.events (payload, tx_order) VALUES ('{}', 1)$$, '42501', NULL, 'a writer cannot give tx_order');
SELECT throws_ok($$INSERT INTO eventlog.events (payload, version) VALUES ('{}', 1)$$, '42501', NULL, 'a writer cannot give version');
SELECT throws_ok($$INSERT INTO eventlog.events (payload, ctime) VALUES ('{}', now())$$, '42501', NULL, 'a writer cannot give ctime');
SELECT throws_ok($$INSERT INTO eventlog.events (payload, etag) VALUES ('{}', 1)$$, '42501', NULL, 'a writer cannot give etag');
RESET ROLE;

-- The owner and superusers (this test runs as the installing superuser) have every privilege;
-- the append check refuses a position or version that the database did not compute.
SELECT throws_ok(
  $$INSERT INTO eventlog.events (payload, tx_order) VALUES ('{}', 1)$$, '428C9',
  'tx_order 1 was given, but the log position of an event is set by the database',
  'the owner cannot place an event before events readers have passed'
);
SELECT throws_ok(
  $$INSERT INTO eventlog.events (payload, tx_order) VALUES ('{}', 9000000000000000000)$$, '428C9',
  'tx_order 9000000000000000000 was given, but the log position of an event is set by the database',
  'nor after every future position'
);
SELECT throws_ok(
  $$INSERT INTO eventlog.events (payload, etag) VALUES ('{}', 1)$$, '428C9',
  'etag 1 was given, but the etag of an event is set by the database',
  'the owner cannot give an etag (it could reuse one a reader has seen, or run ahead of the sequence)'
);
SELECT throws_ok(
  $$INSERT INTO eventlog.events (payload, stream, version) VALUES ('{}', 's', 7)$$, '428C9',
  'version 7 was given, but the version of an event is set by the database',
  'the owner cannot give a stream version'
);
SELECT throws_ok(
  $$INSERT INTO eventlog.events (payload, version) VALUES ('{}', 7)$$, '428C9',
  'version 7 was given, but the version of an event is set by the database',
  'nor a version without a stream'
);
SET LOCAL session_replication_role = replica;
SELECT throws_ok(
  $$INSERT INTO eventlog.events (payload, tx_order) VALUES ('{}', 1)$$, '428C9', NULL,
  'also under session_replication_role = replica'
);
RESET session_replication_role;
-- Not even the position the database would compute: the column is the database's.
SELECT throws_ok(
  $$INSERT INTO eventlog.events (payload, tx_order) VALUES ('{}', pg_current_xact_id()::text::bigint + eventlog._clock_offset())$$,
  '428C9', NULL,
  'not even the position the database would compute'
);

SELECT * FROM finish();
ROLLBACK;
