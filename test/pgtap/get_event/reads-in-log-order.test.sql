BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

-- Two committed transactions whose etags interleave: the one at position 20 took etags first,
-- but the one at position 10 started earlier, so it comes first in the log.
CREATE TEMP TABLE late AS SELECT * FROM eventlog_test.append_committed(20, '[{"tx": "late", "i": 1}, {"tx": "late", "i": 2}]') AS etag;
CREATE TEMP TABLE early AS SELECT * FROM eventlog_test.append_committed(10, '[{"tx": "early", "i": 1}]') AS etag;

SELECT ok((SELECT max(etag) FROM late) < (SELECT min(etag) FROM early), 'fixture: the later transaction holds the smaller etags');
SELECT is(
  eventlog_test.etags_after(0, 10),
  (SELECT array_agg(etag ORDER BY etag) FROM early) || (SELECT array_agg(etag ORDER BY etag) FROM late),
  'events come in log order: whole transactions by position, insertion order inside'
);
SELECT results_eq(
  $$SELECT payload FROM eventlog.get_event()$$,
  $$VALUES ('{"tx": "early", "i": 1}'::jsonb)$$,
  'get_event() returns the first event of the log'
);
SELECT results_eq(
  $$SELECT payload FROM eventlog.get_event((SELECT etag FROM early))$$,
  $$VALUES ('{"tx": "late", "i": 1}'::jsonb)$$,
  'get_event(after_etag) returns the next event in log order, not the next etag'
);

SELECT * FROM finish();
ROLLBACK;
