-- ack_changes moves the cursor to an etag peek_changes returned: a batch is acknowledged by its
-- last etag (or part of it by an etag inside it), the next peek continues after it, and the same
-- ack again (a retry, a competing consumer's ack of the same batch) is a no-op.
BEGIN;
SELECT plan(8);
SELECT eventlog_test.reset();
DELETE FROM eventlog.change_cursors;

SELECT eventlog_test.change_client_fixture();

SELECT is(pg_temp.peek('mirror', 3), ARRAY['a', 'd', 'e'], 'a batch of three');
SELECT lives_ok(format('SELECT eventlog.ack_changes(%L, %L, %s)', 'capture_test.items', 'mirror', pg_temp.etag('d')),
  'an etag inside the batch is acknowledged');
SELECT is(pg_temp.cursor_at('mirror'), 'd', 'the cursor stands at it');
SELECT is(pg_temp.peek('mirror'), ARRAY['e', 'f'], 'the next peek continues after it');
SELECT lives_ok(format('SELECT eventlog.ack_changes(%L, %L, %s)', 'capture_test.items', 'mirror', pg_temp.etag('f')),
  'the batch is acknowledged by its last etag');
SELECT is(pg_temp.peek('mirror'), '{}'::text[], 'then nothing is left');
SELECT lives_ok(format('SELECT eventlog.ack_changes(%L, %L, %s)', 'capture_test.items', 'mirror', pg_temp.etag('f')),
  'acknowledging the cursor''s etag again is accepted');
SELECT is(pg_temp.names(eventlog_test.etags_of($$SELECT * FROM eventlog.get_changes('capture_test.items', 'mirror'::text)$$)),
  '{}'::text[], 'and get_changes on the client continues after the acknowledged etag too');

SELECT * FROM finish();
ROLLBACK;
