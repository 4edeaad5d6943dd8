BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY, qty integer NOT NULL);
INSERT INTO capture_test.items SELECT g, 0 FROM generate_series(1, 100000) AS g;
SELECT FROM eventlog.track_table('capture_test.items', backfill => false);

UPDATE capture_test.items SET qty = qty + 1;

SELECT is((SELECT count(*) FROM eventlog.events WHERE stream LIKE 'capture_test.items:%'), 100000::bigint,
  'one UPDATE of 100,000 rows appends 100,000 events');
SELECT is(
  (SELECT count(*) FROM eventlog.events AS e JOIN capture_test.items AS i ON e.stream = 'capture_test.items:' || i.id
   WHERE e.event_type = 'update' AND e.version = 1 AND e.payload = to_jsonb(i)),
  100000::bigint,
  'each is the update of its row, with the row as stored'
);
SELECT is((SELECT count(DISTINCT tx_order) FROM eventlog.events WHERE stream LIKE 'capture_test.items:%'), 1::bigint,
  'all in the writing transaction');
SELECT is((SELECT count(*) FROM capture_test.items WHERE revision = 1), 100000::bigint, 'every row carries revision 1');

SELECT * FROM finish();
ROLLBACK;
