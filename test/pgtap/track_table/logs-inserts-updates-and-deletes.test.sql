BEGIN;
SELECT plan(7);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY, label text NOT NULL);
SELECT FROM eventlog.track_table('capture_test.items');

INSERT INTO capture_test.items VALUES (1, 'tea'), (2, 'cup');
UPDATE capture_test.items SET label = 'green tea' WHERE id = 1;
DELETE FROM capture_test.items WHERE id = 2;

CREATE TEMP VIEW changes AS
  SELECT e.event_type, e.stream, e.version, e.payload, e.metadata
  FROM eventlog.events AS e WHERE e.stream LIKE 'capture_test.items:%' ORDER BY e.tx_order, e.etag;

SELECT results_eq(
  $$SELECT event_type, stream, version FROM changes$$,
  $$VALUES ('insert', 'capture_test.items:1', 1), ('insert', 'capture_test.items:2', 1),
           ('update', 'capture_test.items:1', 2), ('delete', 'capture_test.items:2', 2)$$,
  'each insert, update and delete appends one event to the row''s stream, in statement order'
);
SELECT is(
  (SELECT payload FROM changes WHERE event_type = 'update'),
  '{"id": 1, "label": "green tea", "revision": 2}'::jsonb,
  'an insert or update carries the new row, revision included, as payload'
);
SELECT is(
  (SELECT payload FROM changes WHERE event_type = 'delete'),
  '{"id": 2}'::jsonb,
  'a delete carries the old key as payload'
);
SELECT is(
  (SELECT metadata FROM changes WHERE event_type = 'delete'),
  '{"table": "capture_test.items", "tombstone": true}'::jsonb,
  'a delete is marked as a tombstone'
);
SELECT is(
  (SELECT metadata FROM changes WHERE event_type = 'update'),
  '{"table": "capture_test.items"}'::jsonb,
  'metadata names the table'
);
SELECT results_eq(
  $$SELECT id, revision FROM capture_test.items ORDER BY id$$,
  $$VALUES (1, 2)$$,
  'the row carries its revision, the version of its latest event'
);
SELECT is(
  (SELECT count(DISTINCT tx_order) FROM eventlog.events WHERE stream LIKE 'capture_test.items:%'),
  1::bigint,
  'the events are part of the writing transaction'
);

SELECT * FROM finish();
ROLLBACK;
