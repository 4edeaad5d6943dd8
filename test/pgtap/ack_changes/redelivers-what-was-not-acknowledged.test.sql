-- At least once: changes peeked but never acknowledged (the consumer died) or acknowledged in a
-- transaction that rolled back are returned again by the next peek.
BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();
DELETE FROM eventlog.change_cursors;

SELECT eventlog_test.change_client_fixture();

SELECT is(pg_temp.peek('mirror', 2), ARRAY['a', 'd'], 'a consumer peeks two changes and dies without an ack');
SELECT is(pg_temp.peek('mirror', 2), ARRAY['a', 'd'], 'its successor gets the same changes');
SAVEPOINT before_ack;
SELECT eventlog.ack_changes('capture_test.items', 'mirror', pg_temp.etag('d'));
SELECT is(pg_temp.peek('mirror', 2), ARRAY['e', 'f'], 'after an ack the next peek continues ...');
ROLLBACK TO SAVEPOINT before_ack;
SELECT is(pg_temp.peek('mirror', 2), ARRAY['a', 'd'], '... but when the ack''s transaction rolls back, the changes come again');

SELECT * FROM finish();
ROLLBACK;
