-- A restore (pg_restore, psql -f of a dump) writes every event as it was dumped, with its etag,
-- log position and version, also into an extension install, whose log has its triggers from
-- CREATE EXTENSION before the rows come (docs/install.md#dump-and-restore). _restoring() says when:
-- a superuser session with check_function_bodies off, as every pg_dump output sets it. A role
-- that is not a superuser, even one that may insert into every column of the log, gets the usual
-- refusal with check_function_bodies off: only a superuser, who could disable the triggers
-- anyway, is let through.
BEGIN;
SELECT plan(11);
SELECT eventlog_test.reset();

SELECT is(eventlog._restoring(), false, 'a superuser session with check_function_bodies on is not restoring');
SELECT throws_ok(
  $$INSERT INTO eventlog.events (etag, tx_order, stream, version, payload) VALUES (7, 42, 'dumped-1', 3, '{"n": 1}')$$,
  '428C9', 'etag 7 was given, but the etag of an event is set by the database',
  'outside a restore a superuser''s given etag is refused'
);

SET LOCAL check_function_bodies = off;
SELECT is(eventlog._restoring(), true, 'with check_function_bodies off, as pg_dump output sets it, it is');
SELECT lives_ok(
  $$INSERT INTO eventlog.events (etag, tx_order, ctime, event_type, stream, version, payload, metadata)
    VALUES (7, 42, '2020-01-02 03:04:05+00', 'dumped', 'dumped-1', 3, '{"n": 1}', '{"m": 1}'),
           (8, 42, '2020-01-02 03:04:05+00', 'dumped', NULL, NULL, '{"n": 2}', '{}')$$,
  'a restore writes events that bring their etag, position, time and version'
);
SELECT results_eq(
  $$SELECT etag, tx_order, ctime, event_type, stream, version, payload, metadata FROM eventlog.events ORDER BY etag$$,
  $$VALUES (7::bigint, 42::bigint, '2020-01-02 03:04:05+00'::timestamptz, 'dumped'::text, 'dumped-1'::text, 3, '{"n": 1}'::jsonb, '{"m": 1}'::jsonb),
           (8, 42, '2020-01-02 03:04:05+00', 'dumped', NULL, NULL, '{"n": 2}', '{}')$$,
  'exactly as given'
);
SELECT is_empty($$SELECT 1 FROM eventlog.streams WHERE stream = 'dumped-1'$$,
  'the stream version trigger leaves a restored version alone (the dump brings the stream''s row)');
SELECT lives_ok($$INSERT INTO eventlog.events (payload) VALUES ('{"n": 3}')$$, 'a new event in the same session still takes the append path');
SELECT ok((SELECT etag <> 9 AND tx_order > 0 FROM eventlog.events WHERE payload = '{"n": 3}'), 'and gets its etag and position from the log');

-- The owner of a CLI install made by a role that is not a superuser may insert into every column.
CREATE ROLE eventlog_test_owner NOLOGIN IN ROLE eventlog_writer;
GRANT INSERT ON eventlog.events TO eventlog_test_owner;
SET LOCAL ROLE eventlog_test_owner;
SELECT is(eventlog._restoring(), false, 'a role that is not a superuser is not restoring, with check_function_bodies off');
SELECT throws_ok(
  $$INSERT INTO eventlog.events (etag, tx_order, payload) VALUES (10, 42, '{"n": 4}')$$,
  '428C9', 'etag 10 was given, but the etag of an event is set by the database',
  'and its given etag is refused'
);
RESET ROLE;
SELECT is((SELECT count(*)::int FROM eventlog.events WHERE etag = 10), 0, 'nothing was written');

SELECT * FROM finish();
ROLLBACK;
