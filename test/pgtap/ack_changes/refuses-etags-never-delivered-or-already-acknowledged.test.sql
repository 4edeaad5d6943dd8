-- ack_changes accepts only what peek_changes returned since the client was created or sought, and
-- that the cursor has not passed; everything else is refused with a message naming the etag.
BEGIN;
SELECT plan(10);
SELECT eventlog_test.reset();
DELETE FROM eventlog.change_cursors;

SELECT eventlog_test.change_client_fixture();

CREATE FUNCTION pg_temp.ack(name text) RETURNS text LANGUAGE sql AS $$
  SELECT format('SELECT eventlog.ack_changes(%L, %L, %s)', 'capture_test.items', 'mirror', coalesce(pg_temp.etag(name)::text, name));
$$;
SELECT eventlog.seek_changes('capture_test.items', 'mirror', 'beginning');
SELECT throws_ok(pg_temp.ack('a'), 'EL011',
  format('etag %s was never delivered to change client ''mirror'' of table capture_test.items: no change after its cursor (at etag 0) has been peeked', pg_temp.etag('a')),
  'nothing peeked yet');
SELECT is(pg_temp.peek('mirror', 2), ARRAY['a', 'd'], 'a peek of two');
SELECT throws_ok(pg_temp.ack('e'), 'EL011',
  format('etag %s was never delivered to change client ''mirror'' of table capture_test.items: peek_changes has returned changes up to etag %s only', pg_temp.etag('e'), pg_temp.etag('d')),
  'an etag past the end of what was peeked');
SELECT throws_ok(pg_temp.ack('b'), 'EL011',
  format('etag %s was never delivered to change client ''mirror'' of table capture_test.items: it is not a change of that table', pg_temp.etag('b')),
  'another table''s change, inside the peeked range');
SELECT throws_ok(pg_temp.ack('c'), 'EL011',
  format('etag %s was never delivered to change client ''mirror'' of table capture_test.items: it is not a change of that table', pg_temp.etag('c')),
  'a plain event, inside the peeked range');
SELECT throws_ok(pg_temp.ack(((SELECT max(etag) FROM eventlog.events) + 1000)::text), 'EL001',
  format('etag %s is not in the log', (SELECT max(etag) FROM eventlog.events) + 1000), 'an etag the log never returned');
SELECT eventlog.ack_changes('capture_test.items', 'mirror', pg_temp.etag('d'));
SELECT throws_ok(pg_temp.ack('a'), 'EL010',
  format('etag %s is behind the cursor of change client ''mirror'' of table capture_test.items (at etag %s)', pg_temp.etag('a'), pg_temp.etag('d')),
  'an etag behind the cursor: already acknowledged');

-- This test's own transaction is still open, so its change is above the read horizon.
INSERT INTO capture_test.items VALUES (7);
SELECT is(pg_temp.peek('mirror'), ARRAY['e', 'f'], 'the open transaction''s change is not peeked');
SELECT throws_ok(
  format('SELECT eventlog.ack_changes(%L, %L, %s)', 'capture_test.items', 'mirror', (SELECT max(etag) FROM eventlog.events WHERE stream = 'capture_test.items:7')),
  'EL011', format('etag %s was never delivered to change client ''mirror'' of table capture_test.items: it is not deliverable yet', (SELECT max(etag) FROM eventlog.events WHERE stream = 'capture_test.items:7')),
  'a change of a transaction still open');

-- A seek forgets what was peeked: an ack of an earlier peek's etag would skip what the seek means to deliver again.
SELECT eventlog.seek_changes('capture_test.items', 'mirror', 0::bigint);
SELECT throws_ok(pg_temp.ack('e'), 'EL011',
  format('etag %s was never delivered to change client ''mirror'' of table capture_test.items: no change after its cursor (at etag 0) has been peeked', pg_temp.etag('e')),
  'what was peeked before a seek');

SELECT * FROM finish();
ROLLBACK;
