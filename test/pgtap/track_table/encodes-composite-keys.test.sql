BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.lines (order_id integer, line text, qty integer, PRIMARY KEY (order_id, line));
CREATE TABLE capture_test."Odd:Name" (code text PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.lines');
SELECT FROM eventlog.track_table('capture_test."Odd:Name"');

INSERT INTO capture_test.lines VALUES (1, 'a', 1), (1, 'a:b', 1), (12, E'quote " and\nnewline', 1);
INSERT INTO capture_test."Odd:Name" VALUES ('x:1'), ('42');

SELECT results_eq(
  $$SELECT stream FROM eventlog.events WHERE stream LIKE 'capture_test.lines:%' ORDER BY etag$$,
  ARRAY['capture_test.lines:[1, "a"]', 'capture_test.lines:[1, "a:b"]', 'capture_test.lines:[12, "quote \" and\nnewline"]'],
  'a composite key is a JSON array of the key values in key order, control characters escaped'
);
SELECT results_eq(
  $$SELECT stream FROM eventlog.events WHERE stream LIKE 'capture_test."Odd:Name":%' ORDER BY etag$$,
  ARRAY['capture_test."Odd:Name":"x:1"', 'capture_test."Odd:Name":"42"'],
  'names are written as quote_ident writes them, a one-column key as its JSON value'
);
SELECT is(
  (SELECT stream_prefix FROM eventlog.tracked_tables WHERE tbl = 'capture_test.lines'::regclass),
  'capture_test.lines:',
  'tracked_tables records the stream prefix'
);
SELECT is(
  (SELECT key_columns FROM eventlog.tracked_tables WHERE tbl = 'capture_test.lines'::regclass),
  ARRAY['order_id', 'line']::name[],
  'and the key columns in key order'
);

SELECT * FROM finish();
ROLLBACK;
