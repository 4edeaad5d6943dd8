BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(17);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.no_key (a integer);
CREATE VIEW capture_test.a_view AS SELECT 1 AS id;
CREATE MATERIALIZED VIEW capture_test.a_matview AS SELECT 1 AS id;
CREATE TABLE capture_test.parted (id integer PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE capture_test.parted_1 PARTITION OF capture_test.parted FOR VALUES FROM (0) TO (10);
CREATE TABLE capture_test.parent (id integer PRIMARY KEY);
CREATE TABLE capture_test.child (id integer PRIMARY KEY) INHERITS (capture_test.parent);
CREATE TABLE capture_test.deferred_key (id integer PRIMARY KEY DEFERRABLE);
CREATE UNLOGGED TABLE capture_test.unlogged (id integer PRIMARY KEY);
CREATE TEMP TABLE temp_items (id integer PRIMARY KEY);
CREATE TABLE capture_test.text_revision (id integer PRIMARY KEY, revision text);
CREATE TABLE capture_test.generated_revision (id integer PRIMARY KEY, revision integer GENERATED ALWAYS AS (id + 1) STORED);
CREATE TABLE capture_test.items (id integer PRIMARY KEY);

SELECT throws_ok($$SELECT eventlog.track_table('capture_test.no_key')$$, 'EL040',
  'capture_test.no_key has no primary key', 'a table without a primary key is refused');
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.a_view')$$, '42809',
  'capture_test.a_view is a view, not a table; only ordinary tables can be tracked', 'a view is refused');
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.a_matview')$$, '42809',
  'capture_test.a_matview is a materialized view, not a table; only ordinary tables can be tracked', 'a materialized view is refused');
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.parted')$$, '42809',
  'capture_test.parted is a partitioned table; only ordinary tables can be tracked', 'a partitioned table is refused');
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.parted_1')$$, 'EL040',
  'capture_test.parted_1 is a partition; partitioned tables cannot be tracked', 'a partition is refused');
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.parent')$$, 'EL040',
  'capture_test.parent takes part in table inheritance and cannot be tracked', 'an inheritance parent is refused');
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.child')$$, 'EL040',
  'capture_test.child takes part in table inheritance and cannot be tracked', 'an inheritance child is refused');
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.deferred_key')$$, 'EL040',
  'the primary key of capture_test.deferred_key is deferrable', 'a deferrable primary key is refused');
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.unlogged')$$, 'EL040',
  'capture_test.unlogged is an unlogged table and cannot be tracked', 'an unlogged table is refused');
SELECT throws_ok($$SELECT eventlog.track_table('temp_items')$$, 'EL040',
  NULL, 'a temporary table is refused');
SELECT throws_ok($$SELECT eventlog.track_table('eventlog.streams')$$, 'EL040',
  'eventlog.streams belongs to pg-eventlog itself and cannot be tracked', 'a table in our own schema is refused');
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.text_revision')$$, '42804',
  'revision column ''revision'' of capture_test.text_revision has type text, not integer or bigint',
  'an existing revision column of another type is refused');
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.generated_revision')$$, '42P10',
  'revision column ''revision'' of capture_test.generated_revision is a generated or identity column',
  'a generated revision column is refused');
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.items', 'id')$$, '42P10',
  'revision column ''id'' of capture_test.items is part of its primary key', 'a key column as revision column is refused');
SELECT throws_ok($$SELECT eventlog.track_table(NULL)$$, '22004', 'tbl must not be NULL', 'a NULL table is refused');
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.items', '')$$, '22023',
  'revision_column must not be empty', 'an empty revision column name is refused');
SELECT throws_ok($$SELECT eventlog.track_table('capture_test.items', backfill => NULL)$$, '22004',
  'backfill must not be NULL', 'a NULL backfill is refused');

SELECT * FROM finish();
ROLLBACK;
