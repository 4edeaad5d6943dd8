BEGIN;
SELECT plan(5);

-- Every function in the schema, including trigger functions and internal helpers.
CREATE TEMP TABLE our_functions AS
  SELECT p.oid, p.oid::regprocedure::text AS signature, p.proconfig, p.proacl, p.prosecdef
  FROM pg_catalog.pg_proc AS p
  WHERE p.pronamespace = 'eventlog'::regnamespace;

SELECT cmp_ok((SELECT count(*) FROM our_functions), '>', 5::bigint, 'the schema has functions to check');
SELECT is(
  ARRAY(SELECT signature FROM our_functions WHERE obj_description(oid, 'pg_proc') IS NULL ORDER BY 1),
  '{}'::text[],
  'every function has a COMMENT'
);
-- Five exceptions, each explained where it is defined: _clock_offset(), _partition_size() and
-- _etag_guess() must have no SET clause to be inlined (0006, 0004); the append check trigger
-- skips the per-row search-path switch (0025); the procedure await_log_end() commits between its
-- checks, which PostgreSQL refuses to a procedure with a SET clause (0055). All qualify every
-- name and run with the caller's rights.
SELECT is(
  ARRAY(SELECT signature FROM our_functions
        WHERE NOT coalesce(proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false) ORDER BY 1),
  ARRAY['eventlog._clock_offset()', 'eventlog._etag_guess()', 'eventlog._partition_size()',
        'eventlog.await_log_end(bigint,bigint,integer,integer,text)', 'eventlog.tg_events__check_append()'],
  'every function pins search_path to pg_catalog, pg_temp, but the four on the append path and the committing procedure'
);
SELECT is(
  ARRAY(SELECT signature FROM our_functions WHERE prosecdef AND proconfig IS NULL ORDER BY 1),
  '{}'::text[],
  'no SECURITY DEFINER function goes without a pinned search_path'
);
SELECT is(
  ARRAY(SELECT signature FROM our_functions WHERE has_function_privilege('public', oid, 'EXECUTE') ORDER BY 1),
  '{}'::text[],
  'no function is executable by PUBLIC'
);

SELECT * FROM finish();
ROLLBACK;
