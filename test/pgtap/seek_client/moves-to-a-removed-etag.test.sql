BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

-- Positions 10 (a, b) and 20 (c), then an earlier position 5 (d) with the latest etag.
CREATE TEMP TABLE committed AS
  SELECT 'a' AS name, etag FROM eventlog_test.append_committed(10, '[{"n": "a"}]') AS etag;
INSERT INTO committed SELECT 'b', etag FROM eventlog_test.append_committed(10, '[{"n": "b"}]') AS etag;
INSERT INTO committed SELECT 'c', etag FROM eventlog_test.append_committed(20, '[{"n": "c"}]') AS etag;
INSERT INTO committed SELECT 'd', etag FROM eventlog_test.append_committed(5, '[{"n": "d"}]') AS etag;
SELECT count(*) FROM eventlog.get_event('billing', 4);
SELECT eventlog._remove_events(ARRAY(SELECT etag FROM committed WHERE name IN ('a', 'd')), 'test');

SELECT is(eventlog.seek_client('billing', (SELECT etag FROM committed WHERE name = 'a')),
  (SELECT etag FROM committed WHERE name = 'a'), 'seeking to a removed etag returns it');
SELECT is(eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 10)$$),
  ARRAY(SELECT etag FROM committed WHERE name IN ('b', 'c') ORDER BY etag),
  'and the client continues where its event stood');
SELECT eventlog.seek_client('billing', (SELECT etag FROM committed WHERE name = 'd'));
SELECT is(eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 10)$$),
  ARRAY(SELECT etag FROM committed WHERE name IN ('b', 'c') ORDER BY etag),
  'a removed etag early in log order but late in etag order: its own position');

SELECT * FROM finish();
ROLLBACK;
