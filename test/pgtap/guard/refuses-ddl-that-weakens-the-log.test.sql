BEGIN;
SELECT plan(12);
SELECT eventlog_test.reset();

-- The test database is installed by a superuser, so the DDL guard (an event trigger) is there.
SELECT is(
  (SELECT evtenabled FROM pg_event_trigger WHERE evtname = 'eventlog_guard'),
  'O',
  'an install by a superuser adds the DDL guard'
);

SELECT throws_ok($$ALTER TABLE eventlog.events DISABLE TRIGGER USER$$, 'EL003', NULL, 'DISABLE TRIGGER USER is refused');
SELECT throws_ok($$ALTER TABLE eventlog.events DISABLE TRIGGER _100_refuse_update_delete$$, 'EL003',
  'ALTER TABLE would leave eventlog.events without its trigger(s) _100_refuse_update_delete, or with them disabled',
  'disabling the append-only guard is refused, and the message names the trigger');
SELECT throws_ok($$ALTER TABLE eventlog.events ENABLE TRIGGER _100_refuse_truncate$$, 'EL003', NULL,
  'making a guard fire only outside replica mode is refused');
SELECT throws_ok($$ALTER TABLE eventlog.events DISABLE TRIGGER _100_check_append$$, 'EL003', NULL, 'disabling the append check is refused');
SELECT throws_ok($$DROP TRIGGER _200_assign_stream_version ON eventlog.events$$, 'EL003', NULL, 'dropping the stream version trigger is refused');
SELECT throws_ok($$ALTER TRIGGER _100_check_append ON eventlog.events RENAME TO check_append$$, 'EL003', NULL, 'renaming a guard is refused');

CREATE FUNCTION pg_temp.move_position() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.tx_order := 1; RETURN NEW; END $$;
SELECT throws_ok(
  $$CREATE TRIGGER zz_move BEFORE INSERT ON eventlog.events FOR EACH ROW EXECUTE FUNCTION pg_temp.move_position()$$,
  'EL003', 'CREATE TRIGGER would add the BEFORE row trigger(s) zz_move to eventlog.events',
  'a BEFORE row trigger that could change events after the check is refused'
);
-- The primary key on etag is each partition's own (0004).
SELECT throws_ok($$ALTER TABLE eventlog.events_default DROP CONSTRAINT events_default_pkey$$, 'EL003',
  'ALTER TABLE would leave partition(s) eventlog.events_default of eventlog.events without a primary key on etag',
  'dropping a partition''s primary key is refused');

-- What cannot weaken the log is left alone.
CREATE FUNCTION pg_temp.noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
SELECT lives_ok(
  $$CREATE TRIGGER after_append AFTER INSERT ON eventlog.events FOR EACH ROW EXECUTE FUNCTION pg_temp.noop()$$,
  'an AFTER trigger may be added'
);
-- A partitioned table has no storage of its own; its partitions have the settings.
SELECT lives_ok($$ALTER TABLE eventlog.events_default SET (autovacuum_vacuum_scale_factor = 0.05)$$, 'storage settings may change');
CREATE TABLE pg_temp.unrelated (n integer);
SELECT lives_ok($$ALTER TABLE pg_temp.unrelated ADD COLUMN m integer$$, 'other tables are not the guard''s business');

SELECT * FROM finish();
ROLLBACK;
