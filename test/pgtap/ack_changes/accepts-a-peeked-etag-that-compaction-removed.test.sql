-- A consumer peeks, compaction removes a superseded revision it was given, then the consumer acks
-- that etag: accepted, and the cursor stands where the removed change stood.
BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();
DELETE FROM eventlog.change_cursors;

SELECT eventlog_test.change_client_fixture();

SELECT is(pg_temp.peek('mirror', 1), ARRAY['a'], 'the consumer peeks the first revision of row 1');
SELECT is((SELECT revisions_removed FROM eventlog.compact('0')), 2::bigint, 'compaction removes it (row 1 has a later revision, e), and d (row 2 was deleted, f)');
SELECT is((SELECT count(*) FROM eventlog.events WHERE etag = pg_temp.etag('a')), 0::bigint, 'it is gone from the log');
SELECT lives_ok(format('SELECT eventlog.ack_changes(%L, %L, %s)', 'capture_test.items', 'mirror', pg_temp.etag('a')),
  'its ack is accepted');
SELECT is((SELECT (c.tx_order, c.etag)::text FROM eventlog.change_cursors AS c WHERE c.client = 'mirror'),
  format('(10,%s)', pg_temp.etag('a')), 'the cursor stands where the removed change stood');
SELECT is(pg_temp.peek('mirror'), ARRAY['e', 'f'], 'and the next peek continues right after it, with what the log holds');

SELECT * FROM finish();
ROLLBACK;
