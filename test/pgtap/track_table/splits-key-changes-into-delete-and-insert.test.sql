BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY, label text NOT NULL);
SELECT FROM eventlog.track_table('capture_test.items');
INSERT INTO capture_test.items VALUES (5, 'tea');
UPDATE capture_test.items SET id = 6 WHERE id = 5;

SELECT results_eq(
  $$SELECT event_type, stream, version, payload FROM eventlog.events
    WHERE stream LIKE 'capture_test.items:%' ORDER BY etag OFFSET 1$$,
  $$VALUES ('delete', 'capture_test.items:5', 2, '{"id": 5}'::jsonb),
           ('insert', 'capture_test.items:6', 1, '{"id": 6, "label": "tea", "revision": 1}'::jsonb)$$,
  'an UPDATE of the primary key is a delete of the old key and an insert of the new one'
);

-- One statement moves keys 2 -> 3 and 1 -> 2 (rows stored in that order, so the key stays unique
-- row by row). Key 2 ends with other content: an update of key 2, not a delete and an insert.
CREATE TABLE capture_test.moves (id integer PRIMARY KEY, label text NOT NULL);
INSERT INTO capture_test.moves VALUES (2, 'two'), (1, 'one');
SELECT FROM eventlog.track_table('capture_test.moves');
UPDATE capture_test.moves SET id = id + 1;

SELECT results_eq(
  $$SELECT event_type, stream, version, payload FROM eventlog.events
    WHERE stream LIKE 'capture_test.moves:%' AND NOT metadata ? 'backfill' ORDER BY etag$$,
  $$VALUES ('delete', 'capture_test.moves:1', 2, '{"id": 1}'::jsonb),
           ('update', 'capture_test.moves:2', 2, '{"id": 2, "label": "one", "revision": 2}'::jsonb),
           ('insert', 'capture_test.moves:3', 1, '{"id": 3, "label": "two", "revision": 1}'::jsonb)$$,
  'a statement that moves keys logs the net change per key'
);
SELECT results_eq(
  $$SELECT id, label, revision FROM capture_test.moves ORDER BY id$$,
  $$VALUES (2, 'one', 2), (3, 'two', 1)$$,
  'every row carries the version of its stream''s latest event'
);

-- A key that comes back continues its stream: the revision is the stream version.
DELETE FROM capture_test.items;
INSERT INTO capture_test.items VALUES (6, 'tea again');
SELECT is((SELECT revision FROM capture_test.items WHERE id = 6), 3, 'a key inserted again after its delete goes on from the tombstone''s version');

SELECT * FROM finish();
ROLLBACK;
