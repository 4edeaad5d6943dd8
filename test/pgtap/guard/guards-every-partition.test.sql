-- Every partition carries the log's guards (docs/partitions.md): UPDATE, DELETE and TRUNCATE
-- naming a partition are refused like on the log; a cloned trigger cannot be disabled on one
-- partition alone; a partition created or attached by hand without the guards is refused, and one
-- attached with them gets the row triggers cloned and is guarded like the others.
BEGIN;
SELECT plan(10);
SELECT eventlog_test.reset();
SELECT eventlog.log_event('{"n": 1}');
CREATE TEMP TABLE part AS SELECT tableoid::regclass AS p FROM eventlog.events LIMIT 1;

SELECT throws_ok(format('UPDATE %s SET payload = ''{}''', (SELECT p FROM part)), 'EL002', NULL, 'UPDATE of a partition is refused');
SELECT throws_ok(format('DELETE FROM %s', (SELECT p FROM part)), 'EL002', NULL, 'DELETE from a partition is refused');
SELECT throws_ok(format('TRUNCATE %s', (SELECT p FROM part)), 'EL002', NULL, 'TRUNCATE of a partition is refused');
SELECT throws_ok('DELETE FROM eventlog.events_default', 'EL002', NULL, 'and of the default partition');

SELECT throws_ok(format('ALTER TABLE %s DISABLE TRIGGER _100_check_append', (SELECT p FROM part)), 'EL003',
  format('ALTER TABLE would leave partition(s) %s (_100_check_append) of eventlog.events without those trigger(s), or with them disabled', (SELECT p FROM part)),
  'disabling a cloned trigger on one partition is refused, naming partition and trigger');
SELECT throws_ok(format('ALTER TABLE %s DISABLE TRIGGER _100_refuse_truncate', (SELECT p FROM part)), 'EL003', NULL,
  'disabling a partition''s own statement guard is refused');

CREATE FUNCTION pg_temp.move_position() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.tx_order := 1; RETURN NEW; END $$;
SELECT throws_ok(
  format('CREATE TRIGGER zz_move BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION pg_temp.move_position()', (SELECT p FROM part)),
  'EL003', NULL, 'a BEFORE row trigger on a partition is refused');

SELECT throws_ok(
  'CREATE TABLE eventlog.by_hand PARTITION OF eventlog.events FOR VALUES FROM (9000000000000000000) TO (9000000000000000100)',
  'EL003', 'CREATE TABLE would leave partition(s) eventlog.by_hand (_100_refuse_truncate, _100_refuse_update_delete) of eventlog.events without those trigger(s), or with them disabled',
  'a partition created by hand without the statement guards is refused');
CREATE TABLE eventlog.by_hand (LIKE eventlog.events);
SELECT throws_ok(
  'ALTER TABLE eventlog.events ATTACH PARTITION eventlog.by_hand FOR VALUES FROM (9000000000000000000) TO (9000000000000000100)',
  'EL003', NULL, 'so is attaching a table without them');
SELECT eventlog._guard_partition('eventlog.by_hand');
ALTER TABLE eventlog.events ATTACH PARTITION eventlog.by_hand FOR VALUES FROM (9000000000000000000) TO (9000000000000000100);
SELECT is(
  ARRAY(SELECT tgname::text FROM pg_trigger WHERE tgrelid = 'eventlog.by_hand'::regclass AND tgenabled = 'A' ORDER BY 1),
  ARRAY['_100_check_append', '_100_refuse_truncate', '_100_refuse_update_delete', '_200_assign_stream_version'],
  'a partition attached with the statement guards gets the row triggers cloned, all firing always'
);

SELECT * FROM finish();
ROLLBACK;
