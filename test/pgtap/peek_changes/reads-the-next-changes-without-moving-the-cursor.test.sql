-- peek_changes returns what get_changes(tbl, client) would, without moving the cursor; first use
-- creates the client at the beginning; the end of the furthest batch is recorded for ack_changes.
BEGIN;
SELECT plan(9);
SELECT eventlog_test.reset();
DELETE FROM eventlog.change_cursors;

SELECT eventlog_test.change_client_fixture();

SAVEPOINT before_peek;
SELECT is(pg_temp.peek('mirror', 2), ARRAY['a', 'd'], 'a first peek that is rolled back ...');
ROLLBACK TO SAVEPOINT before_peek;
SELECT is((SELECT count(*) FROM eventlog.change_cursors WHERE client = 'mirror'), 0::bigint, '... leaves no client behind');

SELECT is(pg_temp.peek('mirror', 2), ARRAY['a', 'd'], 'first use starts at the beginning and returns the table''s next changes in log order');
SELECT is((SELECT (c.etag, c.owner_role)::text FROM eventlog.change_cursors AS c WHERE c.client = 'mirror'),
  format('(0,%s)', current_user), 'the client was created at the beginning, owned by the calling role');
SELECT is(pg_temp.peek('mirror', 2), ARRAY['a', 'd'], 'a second peek returns the same changes: the cursor did not move');
SELECT is((SELECT peeked_etag FROM eventlog.change_cursors WHERE client = 'mirror'), pg_temp.etag('d'),
  'the end of the batch is recorded for ack_changes');
SELECT is(pg_temp.peek('mirror', 1), ARRAY['a'], 'a shorter peek ...');
SELECT is((SELECT peeked_etag FROM eventlog.change_cursors WHERE client = 'mirror'), pg_temp.etag('d'),
  '... keeps the end of the furthest one');
SELECT is(pg_temp.names(eventlog_test.etags_of($$SELECT * FROM eventlog.get_changes('capture_test.items', 'mirror'::text, 10)$$)),
  ARRAY['a', 'd', 'e', 'f'], 'get_changes on the same client still reads from the beginning');

SELECT * FROM finish();
ROLLBACK;
