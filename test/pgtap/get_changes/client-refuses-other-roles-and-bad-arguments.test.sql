BEGIN;
SELECT plan(7);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY);
CREATE TABLE capture_test.untracked (id integer PRIMARY KEY);
SELECT FROM eventlog.track_table('capture_test.items');
CREATE ROLE capture_reader_a IN ROLE eventlog_reader;
CREATE ROLE capture_reader_b IN ROLE eventlog_reader;
GRANT USAGE ON SCHEMA capture_test TO capture_reader_a, capture_reader_b;

SELECT is(eventlog_test.etags_as('capture_reader_a', $$SELECT * FROM eventlog.get_changes('capture_test.items', 'mirror')$$),
  '{}'::bigint[], 'a reader creates its client');
SELECT throws_ok(
  $$SELECT eventlog_test.etags_as('capture_reader_b', $q$SELECT * FROM eventlog.get_changes('capture_test.items', 'mirror')$q$)$$,
  '42501', 'client ''mirror'' belongs to role capture_reader_a, not to capture_reader_b',
  'another role cannot use it');
SELECT is(eventlog_test.etags_as('postgres', $$SELECT * FROM eventlog.get_changes('capture_test.items', 'mirror')$$),
  '{}'::bigint[], 'a superuser (as any member of eventlog_admin) can');
SELECT throws_ok($$SELECT * FROM eventlog.get_changes('capture_test.untracked', 'mirror')$$, 'EL042',
  'table capture_test.untracked is not tracked', 'a table that is not tracked is refused');
SELECT throws_ok($$SELECT * FROM eventlog.get_changes('capture_test.items', ''::text)$$, '22023',
  'client must not be empty', 'an empty client name is refused');
SELECT throws_ok($$SELECT * FROM eventlog.get_changes('capture_test.items', E'a\nb'::text)$$, '22023',
  NULL, 'a client name with a control character is refused');
SELECT throws_ok($$SELECT * FROM eventlog.get_changes('capture_test.items', 'mirror', 0)$$, '22023',
  'max_rows must be between 1 and 10000, got 0', 'max_rows 0 is refused');

SELECT * FROM finish();
ROLLBACK;
