BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');

-- Committed changes at given positions: a row's revisions 1, 2, 3 at 10, 20, 30, and another
-- row's insert at 25 whose etag comes last.
CREATE TEMP TABLE written (name text, etag bigint);
SELECT eventlog_test.set_guards(false);
WITH w AS (
  INSERT INTO eventlog.events (etag, tx_order, event_type, stream, version, payload)
  VALUES (nextval('eventlog.events_etag_seq'), 10, 'insert', 'capture_test.items:1', 1, '{"id": 1, "revision": 1}'),
         (nextval('eventlog.events_etag_seq'), 20, 'update', 'capture_test.items:1', 2, '{"id": 1, "revision": 2}'),
         (nextval('eventlog.events_etag_seq'), 30, 'update', 'capture_test.items:1', 3, '{"id": 1, "revision": 3}'),
         (nextval('eventlog.events_etag_seq'), 25, 'insert', 'capture_test.items:2', 1, '{"id": 2, "revision": 1}')
  RETURNING etag, payload
)
INSERT INTO written SELECT (payload->>'id') || '.' || (payload->>'revision'), etag FROM w;
SELECT eventlog_test.set_guards(true);
SELECT eventlog._remove_events(ARRAY(SELECT etag FROM written WHERE name IN ('1.1', '1.2')), 'test');

SELECT is(eventlog_test.etags_of(format('SELECT * FROM eventlog.get_changes(%L, %s)', 'capture_test.items',
            (SELECT etag FROM written WHERE name = '1.1'))),
  ARRAY(SELECT etag FROM written WHERE name IN ('2.1', '1.3') ORDER BY name DESC),
  'after a removed revision the table''s changes continue where it stood');
SELECT is(eventlog_test.etags_of(format('SELECT * FROM eventlog.get_changes(%L, %L)', 'capture_test.items',
            (SELECT etag FROM written WHERE name = '1.2')::text)),
  ARRAY(SELECT etag FROM written WHERE name IN ('2.1', '1.3') ORDER BY name DESC),
  'also given as text (the client form)');

SELECT * FROM finish();
ROLLBACK;
