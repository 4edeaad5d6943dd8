-- A restore attaches the dumped range partitions in its first section (pre-data) and gives them
-- their guard triggers and primary keys only in its last (post-data); into an extension install
-- the DDL guard is there all along. It stands aside for a restoring session (_restoring(): a
-- superuser with check_function_bodies off, as pg_dump output sets it), and for no other.
BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

CREATE TABLE eventlog.events_9000000000000000000 (LIKE eventlog.events);
SELECT throws_ok(
  $$ALTER TABLE eventlog.events ATTACH PARTITION eventlog.events_9000000000000000000 FOR VALUES FROM (9000000000000000000) TO (9000000000000001000)$$,
  'EL003', NULL,
  'outside a restore a partition without its guards is refused'
);
SET LOCAL check_function_bodies = off;
SELECT lives_ok(
  $$ALTER TABLE eventlog.events ATTACH PARTITION eventlog.events_9000000000000000000 FOR VALUES FROM (9000000000000000000) TO (9000000000000001000)$$,
  'a restore attaches it as pg_dump wrote it, before its triggers'
);
SELECT lives_ok(
  $$ALTER TABLE eventlog.events_9000000000000000000 ADD CONSTRAINT events_9000000000000000000_pkey PRIMARY KEY (etag)$$,
  'and gives it its primary key afterwards'
);
SET LOCAL check_function_bodies = on;
SELECT throws_ok(
  $$ALTER TABLE eventlog.events_default DISABLE TRIGGER _100_refuse_truncate$$,
  'EL003', NULL,
  'once the session is not restoring, the guard checks again'
);

SELECT * FROM finish();
ROLLBACK;
