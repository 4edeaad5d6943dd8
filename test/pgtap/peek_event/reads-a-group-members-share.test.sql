BEGIN;
SELECT plan(2);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

SELECT eventlog_test.append_committed_to(10, 's' || g, '[{"n": 1}, {"n": 2}]') FROM generate_series(1, 8) AS g;

SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.peek_event('workers', 100, 1, 2)$$),
  ARRAY(SELECT etag FROM eventlog.events WHERE eventlog.stream_member(stream, 2) = 1 ORDER BY tx_order, etag),
  'a member peeks its own share, in log order'
);
CREATE TEMP TABLE peeked AS SELECT eventlog_test.etags_of($$SELECT * FROM eventlog.peek_event('workers', 100, 1, 2)$$) AS etags;
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('workers', 100, 1, 2)$$),
  (SELECT etags FROM peeked),
  'the same events get_event then delivers to it'
);

SELECT * FROM finish();
ROLLBACK;
