-- seek_changes(tbl, client, at timestamptz), and a timestamp given as text: the client moves to
-- just before the first event of the log written at or after that time (seek_client's rule), so
-- every change of the table from then on is delivered; no such event: the end.
BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();
DELETE FROM eventlog.change_cursors;

SELECT eventlog_test.change_client_fixture();
-- Two more changes of items, an hour old, in a later transaction: g, h.
SELECT eventlog_test.set_guards(false);
WITH w AS (
  INSERT INTO eventlog.events (etag, tx_order, ctime, event_type, stream, payload)
  VALUES (nextval('eventlog.events_etag_seq'), 50, now() - interval '1 hour', 'insert', 'capture_test.items:3', '{"id": 3}'),
         (nextval('eventlog.events_etag_seq'), 50, now() - interval '1 hour', 'update', 'capture_test.items:3', '{"id": 3}')
  RETURNING etag
)
INSERT INTO written SELECT chr(102 + row_number() OVER (ORDER BY etag)::integer), etag FROM w;
SELECT eventlog_test.set_guards(true);

SELECT is(eventlog.seek_changes('capture_test.items', 'recent', now() - interval '2 hours'), pg_temp.etag('f'),
  'a new client sought to a time is created just before the first event written at or after it');
SELECT is(pg_temp.peek('recent'), ARRAY['g', 'h'], 'and gets the changes from then on');
SELECT count(*) FROM eventlog.get_changes('capture_test.items', 'recent', 10);
SELECT is(eventlog.seek_changes('capture_test.items', 'recent', (now() - interval '2 days')::text), 0::bigint,
  'a timestamp given as text, before everything: the beginning');
SELECT is(pg_temp.peek('recent'), ARRAY['a', 'd', 'e', 'f', 'g', 'h'], 'everything again');
SELECT is(eventlog.seek_changes('capture_test.items', 'recent', now() + interval '1 day'), (SELECT max(etag) FROM eventlog.events),
  'a time after every event: the end');
SELECT throws_ok($$SELECT eventlog.seek_changes('capture_test.items', 'recent', NULL::timestamptz)$$, '22004', 'at must not be NULL', 'a NULL time');

SELECT * FROM finish();
ROLLBACK;
