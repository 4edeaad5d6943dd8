BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS
  SELECT etag FROM eventlog_test.append_committed(10, (SELECT jsonb_agg(jsonb_build_object('n', g)) FROM generate_series(1, 10001) AS g)) AS etag;
CREATE TEMP TABLE own AS SELECT etag FROM eventlog.log_event('{"mine": true}');
SELECT eventlog_test.append_committed_to(20, 's' || g, '[{"n": 1}]') FROM generate_series(1, 4) AS g;
SELECT count(*) FROM eventlog.peek_event('mailer', 1);
SELECT count(*) FROM eventlog.peek_event('workers', 1, 0, 2);

SELECT throws_ok(
  'SELECT eventlog.ack_event(''mailer'', 987654321)',
  'EL001', 'etag 987654321 is not in the log',
  'an etag that is not in the log'
);
SELECT throws_ok(
  format('SELECT eventlog.ack_event(%L, %s)', 'mailer', (SELECT etag FROM own)),
  'EL011', format('etag %s was never delivered to client ''mailer'': it is not deliverable yet', (SELECT etag FROM own)),
  'an event of a transaction still open (peek cannot return it yet)'
);
SELECT throws_ok(
  format('SELECT eventlog.ack_event(%L, %s)', 'mailer', (SELECT max(etag) FROM committed)),
  'EL011', format('etag %s was never delivered to client ''mailer'': it is more than 10000 events past the cursor (at etag 0)', (SELECT max(etag) FROM committed)),
  'an event further ahead than one peek reaches'
);
SELECT lives_ok(
  format('SELECT eventlog.ack_event(%L, %s)', 'mailer', (SELECT etag FROM committed ORDER BY etag OFFSET 9999 LIMIT 1)),
  'the 10000th event after the cursor is accepted'
);
SELECT throws_ok(
  format('SELECT eventlog.ack_event(%L, %s, 0, 2)', 'workers',
         (SELECT etag FROM eventlog.events WHERE eventlog.stream_member(stream, 2) = 1 ORDER BY etag LIMIT 1)),
  'EL011', NULL,
  'another group member''s event'
);
SELECT is(
  (SELECT array_agg(etag ORDER BY client) FROM eventlog.client_cursors WHERE member = 0),
  ARRAY[(SELECT etag FROM committed ORDER BY etag OFFSET 9999 LIMIT 1), 0::bigint],
  'only the accepted ack moved a cursor'
);

SELECT * FROM finish();
ROLLBACK;
