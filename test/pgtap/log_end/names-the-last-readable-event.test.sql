BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

SELECT is(eventlog.log_end(), 0::bigint, 'an empty log ends at 0');

CREATE TEMP TABLE early AS SELECT * FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}]') AS etag;
-- A committed transaction with an earlier position but later etags: log order is (tx_order, etag).
CREATE TEMP TABLE earlier AS SELECT * FROM eventlog_test.append_committed(5, '[{"n": 0}]') AS etag;
SELECT is(eventlog.log_end(), (SELECT max(etag) FROM early), 'the end is the last event in log order, not the highest etag');

-- The reading transaction's own event is beyond the horizon: not readable, so not the end.
SELECT eventlog.log_event('{"mine": true}');
SELECT is(eventlog.log_end(), (SELECT max(etag) FROM early), 'events of unfinished transactions do not move the end');

SELECT is(
  eventlog.log_end(),
  (SELECT etag FROM eventlog.get_event(0, 10000) ORDER BY tx_order DESC, etag DESC LIMIT 1),
  'the end is the last event get_event returns'
);

SELECT * FROM finish();
ROLLBACK;
