BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();

-- The append check trigger has no SET search_path (for speed). A role that puts a schema of its
-- own before pg_catalog, with an = that always says true, must not get a scalar payload or a
-- position of its own past the check: every operator in the trigger is OPERATOR(pg_catalog....).
CREATE SCHEMA shadow;
CREATE FUNCTION shadow.always(text, text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR shadow.= (LEFTARG = text, RIGHTARG = text, FUNCTION = shadow.always);
CREATE FUNCTION shadow.always_int(bigint, bigint) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR shadow.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = shadow.always_int);
GRANT USAGE ON SCHEMA shadow TO eventlog_writer;

-- The shadowing path would fool pgTAP itself, so the outcomes are recorded first, checked after.
CREATE TEMP TABLE outcome (attempt text, result text);
GRANT INSERT ON outcome TO eventlog_writer;
CREATE FUNCTION pg_temp.try(attempt text, statement text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  INSERT INTO pg_temp.outcome VALUES (attempt, 'accepted');
EXCEPTION WHEN OTHERS THEN
  INSERT INTO pg_temp.outcome VALUES (attempt, SQLSTATE);
END;
$$;

SET LOCAL ROLE eventlog_writer;
SET LOCAL search_path = shadow, pg_catalog;
SELECT pg_temp.try('writer, scalar payload', $$INSERT INTO eventlog.events (payload) VALUES ('42')$$);
RESET ROLE;
SELECT pg_temp.try('owner, scalar payload', $$INSERT INTO eventlog.events (payload) VALUES ('42')$$);
SELECT pg_temp.try('owner, own position', $$INSERT INTO eventlog.events (payload, tx_order) VALUES ('{}', 1)$$);
RESET search_path;

SELECT is((SELECT result FROM outcome WHERE attempt = 'writer, scalar payload'), '22023', 'a writer''s scalar payload is still refused');
SELECT is((SELECT result FROM outcome WHERE attempt = 'owner, scalar payload'), '22023', 'so is the owner''s');
SELECT is((SELECT result FROM outcome WHERE attempt = 'owner, own position'), '428C9', 'and a position given by the owner');

SELECT * FROM finish();
ROLLBACK;
