BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

SELECT eventlog_test.append_committed_to(10, 's' || g, '[{"n": 1}]') FROM generate_series(1, 12) AS g;
CREATE TEMP TABLE peeked AS SELECT etag FROM eventlog.peek_event('workers', 100, 0, 2);
-- An event of member 1's share that lies inside the range member 0 was handed (between its
-- cursor and the end of its peek), so only the member check can refuse it.
CREATE TEMP TABLE foreign_event AS
  SELECT etag, stream FROM eventlog.events
  WHERE eventlog.stream_member(stream, 2) = 1 AND etag < (SELECT max(etag) FROM peeked)
  ORDER BY etag LIMIT 1;

SELECT is((SELECT count(*) FROM foreign_event), 1::bigint, 'setup: member 1 has an event inside member 0''s peeked range');
SELECT throws_ok(
  format('SELECT eventlog.ack_event(%L, %s, 0, 2)', 'workers', (SELECT etag FROM foreign_event)),
  'EL011',
  format('etag %s was never delivered to client ''workers'', member 0 of 2: its stream %L belongs to another member',
         (SELECT etag FROM foreign_event), (SELECT stream FROM foreign_event)),
  'member 0 cannot acknowledge member 1''s event'
);
SELECT lives_ok(
  format('SELECT eventlog.ack_event(%L, %s, 0, 2)', 'workers', (SELECT max(etag) FROM peeked)),
  'member 0 acknowledges the end of its own peek'
);
SELECT is(
  (SELECT array_agg(etag ORDER BY member) FROM eventlog.client_cursors WHERE client = 'workers'),
  ARRAY[(SELECT max(etag) FROM peeked), 0],
  'which moves member 0''s cursor and leaves member 1''s at the beginning'
);

SELECT * FROM finish();
ROLLBACK;
