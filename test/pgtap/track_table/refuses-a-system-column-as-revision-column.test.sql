BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY, label text);

SELECT throws_ok($$SELECT eventlog.track_table('capture_test.items', 'xmin')$$, '42P10',
  'revision column ''xmin'' of capture_test.items is the name of a system column', 'xmin is refused');
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.items', 'ctid')$$, '42P10',
  'revision column ''ctid'' of capture_test.items is the name of a system column', 'ctid is refused');
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.items', 'tableoid')$$, '42P10',
  'revision column ''tableoid'' of capture_test.items is the name of a system column', 'tableoid is refused');
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.items', 'cmax')$$, '42P10',
  'revision column ''cmax'' of capture_test.items is the name of a system column', 'cmax is refused');
-- oid is an ordinary column name since PostgreSQL 12, but a system column before and in the catalog.
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.items', 'oid')$$, '42P10',
  'revision column ''oid'' of capture_test.items is the name of a system column', 'oid is refused');
SELECT throws_ok($$SELECT eventlog._check_trackable('capture_test.items', 'xmax')$$, '42P10',
  'revision column ''xmax'' of capture_test.items is the name of a system column', 'and by the check itself');

SELECT * FROM finish();
ROLLBACK;
