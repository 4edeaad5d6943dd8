BEGIN;
SELECT plan(9);
SELECT eventlog_test.reset();
DELETE FROM eventlog.change_cursors;

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
CREATE TABLE capture_test.other (id integer PRIMARY KEY);
CREATE TABLE capture_test.untracked (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');
SELECT FROM eventlog.track_table('capture_test.other');

-- Change events as committed transactions would have left them (positions given by hand, a day
-- old): the table's changes a, d, e, f in log order; b another table's, c a plain event.
CREATE TEMP TABLE written (name text, etag bigint);
SELECT eventlog_test.set_guards(false);
WITH w AS (
  INSERT INTO eventlog.events (etag, tx_order, ctime, event_type, stream, payload)
  VALUES (nextval('eventlog.events_etag_seq'), 10, now() - interval '1 day', 'insert', 'capture_test.items:1', '{"id": 1}'),  -- a
         (nextval('eventlog.events_etag_seq'), 10, now() - interval '1 day', 'insert', 'capture_test.other:1', '{"id": 1}'),  -- b
         (nextval('eventlog.events_etag_seq'), 15, now() - interval '1 day', 'event', NULL, '{"n": 1}'),                      -- c
         (nextval('eventlog.events_etag_seq'), 20, now() - interval '1 day', 'insert', 'capture_test.items:2', '{"id": 2}'),  -- d
         (nextval('eventlog.events_etag_seq'), 30, now() - interval '1 day', 'update', 'capture_test.items:1', '{"id": 1}'),  -- e
         (nextval('eventlog.events_etag_seq'), 40, now() - interval '1 day', 'delete', 'capture_test.items:2', '{"id": 2}')   -- f
  RETURNING etag
)
INSERT INTO written SELECT chr(96 + row_number() OVER (ORDER BY etag)::integer), etag FROM w;
SELECT eventlog_test.set_guards(true);
CREATE FUNCTION pg_temp.names(etags bigint[]) RETURNS text[] LANGUAGE sql AS $$
  SELECT coalesce(array_agg(w.name ORDER BY u.n), '{}') FROM unnest(etags) WITH ORDINALITY AS u (etag, n) JOIN written AS w USING (etag);
$$;
CREATE FUNCTION pg_temp.etag(name text) RETURNS bigint LANGUAGE sql AS $$
  SELECT w.etag FROM written AS w WHERE w.name = etag.name;
$$;
CREATE FUNCTION pg_temp.peek(client text, max_rows integer DEFAULT 1000) RETURNS text[] LANGUAGE sql AS $$
  SELECT pg_temp.names(eventlog_test.etags_of(format('SELECT * FROM eventlog.peek_changes(%L, %L, %s)', 'capture_test.items', client, max_rows)));
$$;
CREATE FUNCTION pg_temp.cursor_at(client text) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce((SELECT w.name FROM written AS w WHERE w.etag = c.etag), c.etag::text)
  FROM eventlog.change_cursors AS c WHERE c.client = cursor_at.client AND c.tbl = 'capture_test.items'::regclass;
$$;

CREATE ROLE eventlog_test_alice;
CREATE ROLE eventlog_test_bob;
GRANT eventlog_reader TO eventlog_test_alice, eventlog_test_bob;
GRANT USAGE ON SCHEMA capture_test TO eventlog_test_alice, eventlog_test_bob;
SELECT eventlog_test.etags_as('eventlog_test_alice', $$SELECT * FROM eventlog.peek_changes('capture_test.items', 'alice-mirror')$$);

SELECT throws_ok(format('SELECT eventlog.ack_changes(%L, %L, %s)', 'capture_test.items', 'nobody', pg_temp.etag('a')),
  '42704', 'change client ''nobody'' of table capture_test.items does not exist', 'an unknown client: ack does not create clients');
SELECT throws_ok(format('SELECT eventlog.ack_changes(%L, %L, %s)', 'capture_test.other', 'alice-mirror', pg_temp.etag('b')),
  '42704', 'change client ''alice-mirror'' of table capture_test.other does not exist', 'a client of another table is another client');
SELECT throws_ok($$SELECT eventlog.ack_changes('capture_test.items', 'alice-mirror', NULL)$$, '22004', 'etag must not be NULL', 'a NULL etag');
SELECT throws_ok($$SELECT eventlog.ack_changes('capture_test.items', 'alice-mirror', 0)$$, '22023', 'etag must be positive, got 0', 'etag 0');
SELECT throws_ok($$SELECT eventlog.ack_changes('capture_test.items', NULL, 1)$$, '22004', 'client must not be NULL', 'a NULL client');
SELECT throws_ok($$SELECT eventlog.ack_changes('capture_test.items', '', 1)$$, '22023', 'client must not be empty', 'an empty client name');
SELECT throws_ok($$SELECT eventlog.ack_changes(NULL, 'alice-mirror', 1)$$, '22004', 'tbl must not be NULL', 'a NULL table');
SELECT throws_ok($$SELECT eventlog.ack_changes('capture_test.untracked', 'alice-mirror', 1)$$, 'EL042',
  'table capture_test.untracked is not tracked', 'a table that is not tracked');
SELECT throws_ok(
  format('SELECT eventlog_test.run_as(%L, %L)', 'eventlog_test_bob',
         format('SELECT eventlog.ack_changes(%L, %L, %s)', 'capture_test.items', 'alice-mirror', pg_temp.etag('a'))),
  '42501', 'client ''alice-mirror'' belongs to role eventlog_test_alice, not to eventlog_test_bob',
  'another role''s client');

SELECT * FROM finish();
ROLLBACK;
