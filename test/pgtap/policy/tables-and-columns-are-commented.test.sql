BEGIN;
SELECT plan(2);

SELECT is(
  ARRAY(SELECT c.relname::text FROM pg_catalog.pg_class AS c
        WHERE c.relnamespace = 'eventlog'::regnamespace AND c.relkind IN ('r', 'v', 'p', 'm')
          AND c.relname <> 'migrations'
          AND obj_description(c.oid, 'pg_class') IS NULL
        ORDER BY 1),
  '{}'::text[],
  'every table and view has a COMMENT'
);
SELECT is(
  ARRAY(SELECT c.relname || '.' || a.attname FROM pg_catalog.pg_class AS c
        JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relnamespace = 'eventlog'::regnamespace AND c.relname = 'events'
          AND col_description(c.oid, a.attnum) IS NULL
        ORDER BY 1),
  '{}'::text[],
  'every column of events has a COMMENT'
);

SELECT * FROM finish();
ROLLBACK;
