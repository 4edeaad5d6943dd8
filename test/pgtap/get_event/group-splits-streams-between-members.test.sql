BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

-- Six streams, two events each, interleaved across three transactions; one event without a stream.
SELECT eventlog_test.append_committed_to(10, 's' || g, '[{"n": 1}]') FROM generate_series(1, 6) AS g;
SELECT eventlog_test.append_committed(10, '[{"no stream": true}]');
SELECT eventlog_test.append_committed_to(20, 's' || g, '[{"n": 2}]') FROM generate_series(6, 1, -1) AS g;

CREATE TEMP TABLE got (member integer, etag bigint, stream text, version integer, position bigint);
INSERT INTO got
  SELECT m, e.etag, e.stream, e.version, row_number() OVER ()
  FROM generate_series(0, 2) AS m, LATERAL eventlog.get_event('workers', 100, m, 3) AS e;

SELECT is(
  (SELECT count(*) FROM got),
  (SELECT count(*) FROM eventlog.events),
  'the three members together get every event'
);
SELECT is(
  (SELECT count(DISTINCT etag) FROM got),
  (SELECT count(*) FROM eventlog.events),
  'no event goes to two members'
);
SELECT is(
  ARRAY(SELECT DISTINCT member FROM got WHERE stream IS NULL),
  ARRAY[0],
  'events without a stream go to member 0'
);
SELECT is(
  ARRAY(SELECT stream FROM got WHERE stream IS NOT NULL AND member <> eventlog.stream_member(stream, 3)),
  '{}'::text[],
  'every stream goes to the member stream_member(stream, 3) names, all of its events'
);
SELECT is(
  ARRAY(SELECT g1.etag FROM got AS g1 JOIN got AS g2 ON g1.member = g2.member AND g1.position < g2.position
        JOIN eventlog.events AS e1 ON e1.etag = g1.etag JOIN eventlog.events AS e2 ON e2.etag = g2.etag
        WHERE (e1.tx_order, e1.etag) > (e2.tx_order, e2.etag)),
  '{}'::bigint[],
  'each member gets its share in log order, so each stream in version order'
);

SELECT * FROM finish();
ROLLBACK;
