BEGIN;
SELECT plan(9);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
CREATE TABLE capture_test.untracked (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');

SELECT throws_ok($$SELECT * FROM eventlog.get_changes('capture_test.untracked')$$, 'EL042',
  'table capture_test.untracked is not tracked', 'a table that is not tracked is refused');
SELECT throws_ok($$SELECT * FROM eventlog.get_changes(NULL)$$, '22004', 'tbl must not be NULL', 'a NULL table is refused');
SELECT throws_ok($$SELECT * FROM eventlog.get_changes('capture_test.items', NULL)$$, '22004',
  'after_etag must not be NULL', 'a NULL etag is refused');
SELECT throws_ok($$SELECT * FROM eventlog.get_changes('capture_test.items', -1)$$, '22023',
  'after_etag must not be negative, got -1', 'a negative etag is refused');
SELECT throws_ok($$SELECT * FROM eventlog.get_changes('capture_test.items', 0, 0)$$, '22023',
  'max_rows must be between 1 and 10000, got 0', 'max_rows 0 is refused');
SELECT throws_ok($$SELECT * FROM eventlog.get_changes('capture_test.items', 0, 10001)$$, '22023',
  'max_rows must be between 1 and 10000, got 10001', 'max_rows over 10000 is refused');
SELECT throws_ok($$SELECT * FROM eventlog.get_changes('capture_test.items', 0, NULL)$$, '22023',
  'max_rows must be between 1 and 10000, got NULL', 'a NULL max_rows is refused');
SELECT throws_ok($$SELECT * FROM eventlog.get_changes('capture_test.items', 999999999)$$, 'EL001',
  'etag 999999999 is not in the log', 'an etag that is not in the log is refused');
SELECT ok(has_function_privilege('eventlog_reader', 'eventlog.get_changes(regclass, bigint, integer)', 'EXECUTE')
  AND NOT has_function_privilege('eventlog_writer', 'eventlog.get_changes(regclass, bigint, integer)', 'EXECUTE'),
  'readers may read changes, writers alone may not');

SELECT * FROM finish();
ROLLBACK;
