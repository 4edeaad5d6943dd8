BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY, label text NOT NULL);
INSERT INTO capture_test.items VALUES (1, 'tea'), (2, 'cup'), (3, 'pot');
CREATE TABLE capture_test.quiet (id integer PRIMARY KEY, label text NOT NULL);
INSERT INTO capture_test.quiet VALUES (1, 'tea'), (2, 'cup');

SELECT is(eventlog.track_table('capture_test.items'), 3::bigint, 'track_table returns the number of rows backfilled');
SELECT results_eq(
  $$SELECT event_type, stream, version, payload, metadata FROM eventlog.events
    WHERE stream LIKE 'capture_test.items:%' ORDER BY etag$$,
  $$VALUES ('insert', 'capture_test.items:1', 1, '{"id": 1, "label": "tea", "revision": 1}'::jsonb, '{"table": "capture_test.items", "backfill": true}'::jsonb),
           ('insert', 'capture_test.items:2', 1, '{"id": 2, "label": "cup", "revision": 1}'::jsonb, '{"table": "capture_test.items", "backfill": true}'::jsonb),
           ('insert', 'capture_test.items:3', 1, '{"id": 3, "label": "pot", "revision": 1}'::jsonb, '{"table": "capture_test.items", "backfill": true}'::jsonb)$$,
  'backfill appends a revision-1 snapshot of every existing row'
);
SELECT results_eq(
  $$SELECT id, revision FROM capture_test.items ORDER BY id$$,
  $$VALUES (1, 1), (2, 1), (3, 1)$$,
  'the added revision column holds 1 for every backfilled row'
);

SELECT is(eventlog.track_table('capture_test.quiet', backfill => false), 0::bigint, 'without backfill nothing is appended');
SELECT is((SELECT count(*) FROM eventlog.events WHERE stream LIKE 'capture_test.quiet:%'), 0::bigint,
  'no events for the existing rows');
UPDATE capture_test.quiet SET label = 'mug' WHERE id = 2;
SELECT results_eq(
  $$SELECT id, revision FROM capture_test.quiet ORDER BY id$$,
  $$VALUES (1, NULL::integer), (2, 1)$$,
  'without backfill, rows have no revision until their first change, which is revision 1'
);

SELECT * FROM finish();
ROLLBACK;
