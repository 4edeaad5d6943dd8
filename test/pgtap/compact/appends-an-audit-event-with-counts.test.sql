BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
CREATE TABLE capture_test."Odd Name" (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');
SELECT FROM eventlog.track_table('capture_test."Odd Name"');
SELECT eventlog_test.set_guards(false);
INSERT INTO eventlog.events (etag, tx_order, ctime, event_type, stream, version, payload)
VALUES (nextval('eventlog.events_etag_seq'), 10, now() - interval '9 days', 'insert', 'capture_test.items:1', 1, '{"id": 1}'),
       (nextval('eventlog.events_etag_seq'), 11, now() - interval '9 days', 'update', 'capture_test.items:1', 2, '{"id": 1}'),
       (nextval('eventlog.events_etag_seq'), 12, now() - interval '9 days', 'update', 'capture_test.items:1', 3, '{"id": 1}'),
       (nextval('eventlog.events_etag_seq'), 13, now() - interval '9 days', 'insert', 'capture_test."Odd Name":1', 1, '{"id": 1}'),
       (nextval('eventlog.events_etag_seq'), 14, now() - interval '9 days', 'delete', 'capture_test."Odd Name":1', 2, '{"id": 1}');
SELECT eventlog_test.set_guards(true);

CREATE TEMP TABLE result AS SELECT * FROM eventlog.compact('1 day', '2 days');
SELECT results_eq(
  $$SELECT event_type, stream, version FROM eventlog.events WHERE etag = (SELECT audit_etag FROM result)$$,
  $$VALUES ('log_compacted', NULL::text, NULL::integer)$$,
  'compact appends a log_compacted event outside any stream and returns its etag'
);
SELECT is(
  (SELECT payload - 'at' FROM eventlog.events WHERE etag = (SELECT audit_etag FROM result)),
  jsonb_build_object('revisions_removed', 3, 'tombstones_removed', 1, 'events_removed', 4,
    'tables', jsonb_build_object('capture_test.items', 2, 'capture_test."Odd Name"', 2),
    'revisions_older_than', '1 day', 'tombstones_older_than', '2 days',
    'by', session_user::text, 'session_user', session_user::text),
  'it records how many revisions and tombstones of which tables, the intervals and who'
);
SELECT ok(
  (SELECT (payload ->> 'at')::timestamptz BETWEEN now() AND clock_timestamp() FROM eventlog.events WHERE etag = (SELECT audit_etag FROM result)),
  'and when'
);
CREATE TEMP TABLE before AS SELECT count(*) AS n FROM eventlog.events;
CREATE TEMP TABLE again AS SELECT * FROM eventlog.compact('1 day', '2 days');
SELECT is((SELECT audit_etag FROM again), NULL::bigint, 'a call that removes nothing returns no audit etag');
SELECT is((SELECT count(*) FROM eventlog.events), (SELECT n FROM before), 'and appends nothing');

SELECT * FROM finish();
ROLLBACK;
