-- seek_changes moves the cursor (creating the client when it does not exist), forgets what was
-- peeked, and returns the etag the client now stands after.
BEGIN;
SELECT plan(10);
SELECT eventlog_test.reset();
DELETE FROM eventlog.change_cursors;

SELECT eventlog_test.change_client_fixture();

SELECT is(eventlog.seek_changes('capture_test.items', 'tail', 'end'), (SELECT max(etag) FROM eventlog.events),
  'a new client sought to the end is created there: after the last event of the log');
SELECT is(pg_temp.peek('tail'), '{}'::text[], 'and has nothing to read');
SELECT is((SELECT owner_role FROM eventlog.change_cursors WHERE client = 'tail'), current_user, 'it belongs to the calling role');

SELECT is(pg_temp.peek('mirror', 3), ARRAY['a', 'd', 'e'], 'a client peeks three changes');
SELECT is(eventlog.seek_changes('capture_test.items', 'mirror', pg_temp.etag('d')), pg_temp.etag('d'), 'seek to an etag returns it');
SELECT is((SELECT (pg_temp.cursor_at('mirror'), c.peeked_etag)::text FROM eventlog.change_cursors AS c WHERE c.client = 'mirror'),
  '(d,0)', 'the cursor stands at it and what was peeked is forgotten');
SELECT is(pg_temp.peek('mirror'), ARRAY['e', 'f'], 'the next peek continues after it');
SELECT eventlog.seek_changes('capture_test.items', 'mirror', pg_temp.etag('c'));
SELECT is(pg_temp.peek('mirror'), ARRAY['d', 'e', 'f'], 'any etag of the log will do: after a plain event between changes');
SELECT eventlog.seek_changes('capture_test.items', 'mirror', '0');
SELECT is(pg_temp.peek('mirror'), ARRAY['a', 'd', 'e', 'f'], 'a number given as text: back to the beginning, everything again');
SELECT compact FROM eventlog.compact('0') AS compact;
SELECT eventlog.seek_changes('capture_test.items', 'mirror', pg_temp.etag('a'));
SELECT is(pg_temp.peek('mirror'), ARRAY['e', 'f'], 'an etag compaction removed (with d): the client continues where it stood');

SELECT * FROM finish();
ROLLBACK;
