BEGIN;
SELECT plan(4);

-- Every function in the schema, including trigger functions and internal helpers.
CREATE TEMP TABLE our_functions AS
  SELECT p.oid, p.oid::regprocedure::text AS signature, p.proconfig, p.proacl
  FROM pg_catalog.pg_proc AS p
  WHERE p.pronamespace = 'eventlog'::regnamespace;

SELECT cmp_ok((SELECT count(*) FROM our_functions), '>', 5::bigint, 'the schema has functions to check');
SELECT is(
  ARRAY(SELECT signature FROM our_functions WHERE obj_description(oid, 'pg_proc') IS NULL ORDER BY 1),
  '{}'::text[],
  'every function has a COMMENT'
);
SELECT is(
  ARRAY(SELECT signature FROM our_functions
        WHERE NOT coalesce(proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false) ORDER BY 1),
  '{}'::text[],
  'every function pins search_path to pg_catalog, pg_temp'
);
SELECT is(
  ARRAY(SELECT signature FROM our_functions WHERE has_function_privilege('public', oid, 'EXECUTE') ORDER BY 1),
  '{}'::text[],
  'no function is executable by PUBLIC'
);

SELECT * FROM finish();
ROLLBACK;
