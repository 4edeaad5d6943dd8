-- Least privilege, from the catalog (issue 16). Every function that one of our roles can execute
-- is classified below by what it does; the rules then say which role may execute which class.
-- A function added later that any of our roles can execute fails the first assertion until it is
-- classified here, so the next feature has to say what it is. Names that mean maintenance
-- (forget, compact, track/untrack, partitions, expiry, publication) must be classified admin
-- whatever the list says.
--
--   append  writes events or snapshots: writer (and admin)
--   read    reads the log, streams, snapshots, capture: reader (and admin)
--   cursor  reads or moves named clients (own clients only; the function checks ownership): reader (and admin)
--   any     reveals nothing about events or clients (version, stream_version, stream_member): any of our roles
--   admin   maintenance and erasure: eventlog_admin only
BEGIN;
SELECT plan(10);

CREATE TEMP TABLE classes (signature text PRIMARY KEY, class text NOT NULL
  CHECK (class IN ('append', 'read', 'cursor', 'any', 'admin')));
INSERT INTO classes VALUES
  ('eventlog.log_event(jsonb,text,text,jsonb)', 'append'),
  ('eventlog.append_to_stream(text,jsonb,integer,text)', 'append'),
  ('eventlog.save_snapshot(text,integer,jsonb)', 'append'),
  -- reached by every append through the append trigger, which runs as the inserting role
  ('eventlog._clock_offset()', 'append'),
  ('eventlog._verify_clock()', 'append'),
  ('eventlog._refuse_append(eventlog.events)', 'append'),
  -- whether the session is a superuser's restore, asked by the append trigger for a given etag
  ('eventlog._restoring()', 'append'),
  -- the etag column default and the append check trigger's partition arithmetic (partitions)
  ('eventlog._etag_guess()', 'append'),
  ('eventlog._etag_in_range(bigint,bigint)', 'append'),
  ('eventlog.get_event(bigint,integer)', 'read'),
  ('eventlog.delivery_blockers()', 'read'),
  ('eventlog.read_stream(text,integer,integer)', 'read'),
  ('eventlog.load_snapshot(text)', 'read'),
  ('eventlog.load_stream(text)', 'read'),
  ('eventlog.get_changes(regclass,bigint,integer)', 'read'),
  ('eventlog.log_end()', 'read'),
  ('eventlog.wait_for_log_end(bigint,integer,integer)', 'read'),
  ('eventlog.await_log_end(bigint,bigint,integer,integer,text)', 'read'),
  -- get_event's bound for pruned tail reads and its archived-range answer (partitions)
  ('eventlog._etag_floor(bigint)', 'read'),
  ('eventlog._check_archived(bigint,bigint,boolean)', 'read'),
  ('eventlog.get_event(text,integer,integer,integer)', 'cursor'),
  ('eventlog.peek_event(text,integer,integer,integer)', 'cursor'),
  ('eventlog.ack_event(text,bigint,integer,integer)', 'cursor'),
  ('eventlog.seek_client(text,bigint)', 'cursor'),
  ('eventlog.seek_client(text,timestamp with time zone)', 'cursor'),
  ('eventlog.seek_client(text,text)', 'cursor'),
  ('eventlog.drop_client(text)', 'cursor'),
  ('eventlog.drop_client(text,integer)', 'cursor'),
  ('eventlog.set_client_owner(text,name)', 'cursor'),
  ('eventlog.client_status(text)', 'cursor'),
  ('eventlog.get_changes(regclass,text,integer)', 'cursor'),
  ('eventlog.peek_changes(regclass,text,integer)', 'cursor'),
  ('eventlog.ack_changes(regclass,text,bigint)', 'cursor'),
  ('eventlog.seek_changes(regclass,text,bigint)', 'cursor'),
  ('eventlog.seek_changes(regclass,text,text)', 'cursor'),
  ('eventlog.seek_changes(regclass,text,timestamp with time zone)', 'cursor'),
  ('eventlog.drop_change_client(regclass,text)', 'cursor'),
  ('eventlog.change_client_status(regclass,text)', 'cursor'),
  -- the clients and change_clients views' cursor rows (the caller's own) and per-row lag (migration 0053)
  ('eventlog._client_cursor_rows(text)', 'cursor'),
  ('eventlog._change_cursor_rows(regclass,text)', 'cursor'),
  ('eventlog._cursor_lag(bigint,bigint,bigint,integer,integer,text)', 'read'),
  ('eventlog.version()', 'any'),
  ('eventlog.stream_version(text)', 'any'),
  ('eventlog.stream_member(text,integer)', 'any'),
  -- the partition size, a constant the etag default and the readers inline
  ('eventlog._partition_size()', 'any'),
  ('eventlog.forget(text,text[],text[])', 'admin'),
  ('eventlog.expire_idempotency_keys(interval)', 'admin'),
  ('eventlog.track_table(regclass,name,boolean)', 'admin'),
  ('eventlog.untrack_table(regclass)', 'admin'),
  ('eventlog.compact(interval,interval,integer)', 'admin'),
  ('eventlog.enable_publication(text)', 'admin'),
  ('eventlog.disable_publication(text)', 'admin'),
  ('eventlog.ensure_partitions(integer)', 'admin'),
  ('eventlog.set_partition_size(bigint)', 'admin'),
  ('eventlog.detach_partitions(bigint)', 'admin'),
  ('eventlog.reattach_partitions()', 'admin'),
  -- track_table's helpers and the capture triggers' functions, granted for the tracking admin
  ('eventlog._check_trackable(regclass,name)', 'admin'),
  ('eventlog._register_tracked_table(regclass,name)', 'admin'),
  ('eventlog._unregister_tracked_table(regclass)', 'admin'),
  ('eventlog._capture_key(jsonb,name[])', 'admin'),
  ('eventlog.tg_tracked__set_revision()', 'admin'),
  ('eventlog.tg_tracked__log_changes()', 'admin'),
  ('eventlog.tg_tracked__refuse_truncate()', 'admin');

-- Every function of the schema with who may execute it (directly or through role membership).
CREATE TEMP TABLE granted AS
  SELECT replace(p.oid::regprocedure::text, ', ', ',') AS signature, p.proname::text AS name,
         has_function_privilege('eventlog_writer', p.oid, 'EXECUTE') AS writer,
         has_function_privilege('eventlog_reader', p.oid, 'EXECUTE') AS reader,
         has_function_privilege('eventlog_admin', p.oid, 'EXECUTE') AS admin
  FROM pg_catalog.pg_proc AS p
  WHERE p.pronamespace = 'eventlog'::regnamespace;

SELECT is(
  ARRAY(SELECT g.signature FROM granted AS g
        WHERE (g.writer OR g.reader OR g.admin) AND NOT EXISTS (SELECT 1 FROM classes AS c WHERE c.signature = g.signature)
        ORDER BY 1),
  '{}'::text[],
  'every function one of our roles can execute is classified in this test (add a new one to the list above)'
);
SELECT cmp_ok(
  (SELECT count(*) FROM granted AS g JOIN classes AS c USING (signature)), '>=', 30::bigint,
  'the classification matches the functions of the schema (the list is not stale)'
);
SELECT is(
  ARRAY(SELECT g.signature FROM granted AS g LEFT JOIN classes AS c USING (signature)
        WHERE g.name ~ '(^|_)(forget|compact|compaction|track_table|untrack_table|partitions?|expire|maintain|publication|retention|purge|vacuum)($|_)'
          AND g.name <> '_partition_size'  -- a constant, not maintenance
          AND (g.writer OR g.reader OR g.admin)
          AND c.class IS DISTINCT FROM 'admin'
        ORDER BY 1),
  '{}'::text[],
  'functions named for maintenance (forget, compact, track_table, partitions, expiry, publication) are classified admin'
);
SELECT is(
  ARRAY(SELECT g.signature FROM granted AS g JOIN classes AS c USING (signature)
        WHERE g.reader AND c.class NOT IN ('read', 'cursor', 'any') ORDER BY 1),
  '{}'::text[],
  'eventlog_reader can execute nothing that appends or maintains: a reader cannot write'
);
SELECT is(
  ARRAY(SELECT g.signature FROM granted AS g JOIN classes AS c USING (signature)
        WHERE g.writer AND c.class NOT IN ('append', 'any') ORDER BY 1),
  '{}'::text[],
  'eventlog_writer can execute nothing that reads or moves clients (and no maintenance)'
);
SELECT is(
  ARRAY(SELECT g.signature FROM granted AS g JOIN classes AS c USING (signature)
        WHERE c.class = 'admin' AND (g.writer OR g.reader OR NOT g.admin) ORDER BY 1),
  '{}'::text[],
  'only eventlog_admin can execute forget, expiry, track_table and their helpers'
);

-- Tables, views and sequences: readers only read; writers append (the four writer columns of
-- events) and read events back for RETURNING; no role of ours may update, delete, truncate,
-- reference or add triggers anywhere; PUBLIC has nothing.
CREATE TEMP TABLE relation_privileges AS
  SELECT c.oid::regclass::text AS relation, r.role, p.privilege,
         CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(r.role, c.oid, p.privilege)
              WHEN p.privilege IN ('INSERT', 'UPDATE', 'REFERENCES', 'SELECT')
                THEN has_table_privilege(r.role, c.oid, p.privilege) OR has_any_column_privilege(r.role, c.oid, p.privilege)
              ELSE has_table_privilege(r.role, c.oid, p.privilege) END AS granted
  FROM pg_catalog.pg_class AS c
  CROSS JOIN (VALUES ('eventlog_writer'), ('eventlog_reader'), ('eventlog_admin'), ('public')) AS r(role)
  CROSS JOIN LATERAL (
    SELECT unnest(CASE WHEN c.relkind = 'S' THEN ARRAY['USAGE', 'SELECT', 'UPDATE']
                       ELSE ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] END)
  ) AS p(privilege)
  WHERE c.relnamespace = 'eventlog'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f');

SELECT is(
  ARRAY(SELECT relation || ' ' || privilege FROM relation_privileges
        WHERE role = 'eventlog_reader' AND granted AND privilege <> 'SELECT' ORDER BY 1),
  '{}'::text[],
  'eventlog_reader has no privilege but SELECT on any table, view or sequence'
);
SELECT is(
  ARRAY(SELECT relation || ' ' || privilege FROM relation_privileges
        WHERE role IN ('eventlog_writer', 'eventlog_admin') AND granted
          AND privilege NOT IN ('SELECT', 'USAGE')
          AND NOT (relation = 'eventlog.events' AND privilege = 'INSERT')
        ORDER BY 1),
  '{}'::text[],
  'writers and admins write no table directly but INSERT into events (UPDATE, DELETE, TRUNCATE nowhere)'
);
SELECT is(
  ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid = 'eventlog.events'::regclass AND a.attnum > 0 AND NOT a.attisdropped
          AND has_column_privilege('eventlog_writer', a.attrelid, a.attnum, 'INSERT')
        ORDER BY 1),
  ARRAY['event_type', 'metadata', 'payload', 'stream'],
  'a writer may name only event_type, stream, payload and metadata in an INSERT'
);
SELECT is(
  ARRAY(SELECT relation || ' ' || privilege FROM relation_privileges WHERE role = 'public' AND granted ORDER BY 1)
    || ARRAY(SELECT 'schema USAGE' WHERE has_schema_privilege('public', 'eventlog'::regnamespace, 'USAGE'))
    || ARRAY(SELECT 'schema CREATE' WHERE has_schema_privilege('public', 'eventlog'::regnamespace, 'CREATE')),
  '{}'::text[],
  'PUBLIC has no privilege on the schema or on anything in it'
);

SELECT * FROM finish();
ROLLBACK;
