-- A caller who puts malicious objects where name lookup might find them — in public, listed
-- before pg_catalog in its search_path, and in pg_temp — changes nothing that our functions do
-- (issue 16). The shadows are generated from the catalog: for every pg_catalog function that the
-- body of one of our functions names, one with the same name and argument types in public that
-- raises SQLSTATE SHADW; for the comparison, concatenation, arithmetic and JSON operators on our
-- column types, public operators with the same name and types that raise too; and temp tables
-- named like our tables. Then every public function is called (by eventlog_admin, which may call
-- them all) with that search_path, and the outcome of each call is recorded. Every function the
-- roles can execute must have been called (track_functions counts the calls), so a function
-- added later fails this test until a call of it is added below.
BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();
CREATE TEMP TABLE committed AS
  SELECT etag FROM eventlog_test.append_committed_to(10, 'cart-1', '[{"n": 1}, {"n": 2}, {"n": 3}]') AS etag;
CREATE TEMP TABLE first_committed AS SELECT min(etag) AS etag FROM committed;
GRANT SELECT ON first_committed TO eventlog_admin;
GRANT CREATE ON SCHEMA public TO eventlog_admin;

-- The shadow functions.
CREATE FUNCTION pg_temp.shadow_raise(what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'shadow % was called', what USING ERRCODE = 'SHADW';
END;
$$;
DO $$
DECLARE
  v_proc record;
  v_made integer := 0;
BEGIN
  FOR v_proc IN
    SELECT DISTINCT p.oid, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid) AS args,
           pg_catalog.format_type(p.prorettype, NULL) AS returns, p.proretset
    FROM pg_catalog.pg_proc AS p
    WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'f'
      AND p.proname IN (
        SELECT DISTINCT m[1]
        FROM pg_catalog.pg_proc AS ours,
             LATERAL regexp_matches(ours.prosrc, '([a-z_][a-z0-9_]*)\s*\(', 'g') AS m
        WHERE ours.pronamespace = 'eventlog'::regnamespace)
      -- only argument and result types one can declare (no pseudo-types, no polymorphism)
      AND NOT EXISTS (SELECT 1 FROM unnest(p.proargtypes::oid[] || p.prorettype) AS a(t)
                      JOIN pg_catalog.pg_type AS ty ON ty.oid = a.t WHERE ty.typtype = 'p')
      AND p.pronargs > 0
  LOOP
    EXECUTE format(
      'CREATE FUNCTION public.%I(%s) RETURNS %s%s LANGUAGE plpgsql AS %L',
      v_proc.proname, v_proc.args, CASE WHEN v_proc.proretset THEN 'SETOF ' ELSE '' END, v_proc.returns,
      format('BEGIN PERFORM pg_temp.shadow_raise(%L); RETURN%s; END;', v_proc.proname, CASE WHEN v_proc.proretset THEN '' ELSE ' NULL' END));
    v_made := v_made + 1;
  END LOOP;
  CREATE TEMP TABLE shadow_count AS SELECT v_made AS made;

END;
$$;

-- The shadow operators.
DO $$
DECLARE
  v_op text;
  v_type text;
  v_types text[][] := ARRAY[['text', 'text'], ['bigint', 'bigint'], ['integer', 'integer'], ['jsonb', 'jsonb'], ['jsonb', 'text'],
                            ['name', 'name'], ['timestamp with time zone', 'timestamp with time zone'], ['bigint', 'integer'], ['jsonb', 'integer']];
  v_pair text[];
  i integer;
BEGIN
  FOR i IN 1 .. array_length(v_types, 1) LOOP
    v_pair := v_types[i:i][1:2];
    EXECUTE format('CREATE FUNCTION public.shadow_op_%s(%s, %s) RETURNS boolean LANGUAGE plpgsql AS %L', i, v_types[i][1], v_types[i][2],
      'BEGIN PERFORM pg_temp.shadow_raise(''an operator''); RETURN NULL; END;');
    FOREACH v_op IN ARRAY ARRAY['=', '<>', '<', '<=', '>', '>=', '||', '+', '-', '->', '->>', '@>', '?', '~', '!~', '#-'] LOOP
      EXECUTE format('CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = public.shadow_op_%s)', v_op, v_types[i][1], v_types[i][2], i);
    END LOOP;
  END LOOP;
END;
$$;

-- Temp tables named like ours (pg_temp comes first in a caller's path for relations).
CREATE TEMP TABLE events (etag bigint, payload jsonb);
CREATE TEMP TABLE streams (stream text, version integer);
CREATE TEMP TABLE client_cursors (client text, etag bigint);
CREATE TEMP TABLE clock (xid_offset bigint);


-- The shadowing path would fool pgTAP itself, so the outcomes are recorded first, checked after.
CREATE TEMP TABLE outcome (n serial, attempt text, result text, message text);
GRANT INSERT ON outcome TO eventlog_admin;
GRANT USAGE ON SEQUENCE outcome_n_seq TO eventlog_admin;
CREATE FUNCTION pg_temp.try(statement text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  INSERT INTO pg_temp.outcome (attempt, result) VALUES (statement, 'ok');
EXCEPTION WHEN OTHERS THEN
  -- no operator here: the shadows are in this function's path as well
  INSERT INTO pg_temp.outcome (attempt, result, message) VALUES (statement, SQLSTATE, SQLERRM);
END;
$$;
CREATE TABLE public.shadow_orders (id integer PRIMARY KEY, item text);
ALTER TABLE public.shadow_orders OWNER TO eventlog_admin;

SET LOCAL track_functions = 'all';
SET LOCAL ROLE eventlog_admin;
SET LOCAL search_path = public, pg_catalog;
SELECT pg_temp.try($$SELECT eventlog.version()$$);
-- partition maintenance (the log holds events already: set_partition_size to its size is a no-op)
SELECT pg_temp.try($$SELECT eventlog.set_partition_size(10000000)$$);
SELECT pg_temp.try($$SELECT eventlog.ensure_partitions(2)$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.detach_partitions(1)$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.reattach_partitions()$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.log_event('{"n": 4}', 'shadow', 'shadow-1')$$);
SELECT pg_temp.try($$INSERT INTO eventlog.events (stream, payload) VALUES ('shadow-1', '{"n": 5}')$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.append_to_stream('shadow-1', '[{"type": "t", "payload": {"n": 6}}]', 2, 'shadow-key')$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.append_to_stream('shadow-1', '[{"type": "t", "payload": {"n": 6}}]', 2, 'shadow-key')$$);
SELECT pg_temp.try($$SELECT eventlog.stream_version('shadow-1')$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.read_stream('shadow-1')$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.save_snapshot('shadow-1', 3, '{"n": 6}')$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.load_snapshot('shadow-1')$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.load_stream('shadow-1')$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.get_event(0::bigint, 10)$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.get_event('shadow-reader', 2)$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.peek_event('shadow-peeker', 2)$$);
SELECT pg_temp.try($$SELECT eventlog.ack_event('shadow-peeker', (SELECT f.etag FROM pg_temp.first_committed AS f))$$);
SELECT pg_temp.try($$SELECT eventlog.seek_client('shadow-peeker', 0::bigint)$$);
SELECT pg_temp.try($$SELECT eventlog.seek_client('shadow-peeker', now())$$);
SELECT pg_temp.try($$SELECT eventlog.seek_client('shadow-peeker', 'end')$$);
SELECT pg_temp.try($$SELECT eventlog.set_client_owner('shadow-peeker', 'eventlog_admin')$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.client_status(NULL)$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.delivery_blockers()$$);
SELECT pg_temp.try($$SELECT eventlog.log_end()$$);
SELECT pg_temp.try($$SELECT eventlog.wait_for_log_end(0, 10, 1)$$);
SELECT pg_temp.try($$CALL eventlog.await_log_end(NULL, -1, 10, 1)$$);
SELECT pg_temp.try($$SELECT eventlog.stream_member('shadow-1', 3)$$);
SELECT pg_temp.try($$SELECT eventlog.drop_client('shadow-reader', 1)$$);
SELECT pg_temp.try($$SELECT eventlog.drop_client('shadow-peeker')$$);
SELECT pg_temp.try($$SELECT eventlog.track_table('public.shadow_orders')$$);
SELECT pg_temp.try($$INSERT INTO public.shadow_orders VALUES (1, 'tea')$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.get_changes('public.shadow_orders')$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.get_changes('public.shadow_orders', 'shadow-changes', 10)$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.peek_changes('public.shadow_orders', 'shadow-peeker', 10)$$);
SELECT pg_temp.try($$SELECT eventlog.seek_changes('public.shadow_orders', 'shadow-peeker', (SELECT f.etag FROM pg_temp.first_committed AS f))$$);
SELECT pg_temp.try($$SELECT eventlog.ack_changes('public.shadow_orders', 'shadow-peeker', (SELECT f.etag FROM pg_temp.first_committed AS f))$$);
SELECT pg_temp.try($$SELECT eventlog.seek_changes('public.shadow_orders', 'shadow-peeker', 'end')$$);
SELECT pg_temp.try($$SELECT eventlog.seek_changes('public.shadow_orders', 'shadow-peeker', now())$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.change_client_status(NULL, NULL)$$);
SELECT pg_temp.try($$SELECT eventlog.drop_change_client('public.shadow_orders', 'shadow-changes')$$);
SELECT pg_temp.try($$SELECT eventlog.untrack_table('public.shadow_orders')$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.forget('shadow-1', ARRAY['n'])$$);
SELECT pg_temp.try($$SELECT eventlog.expire_idempotency_keys('1 day')$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.compact('1 day', '1 day')$$);
SELECT pg_temp.try($$SELECT * FROM eventlog.enable_publication('shadow_publication')$$);
SELECT pg_temp.try($$SELECT eventlog.disable_publication('shadow_publication')$$);
RESET ROLE;
RESET search_path;
-- pgTAP resolves names with the session's path too: the shadows go before the first assertion.
SET LOCAL client_min_messages = warning;
CREATE TEMP TABLE shadow_operators AS
  SELECT count(*) AS made FROM pg_catalog.pg_operator WHERE oprnamespace = 'public'::regnamespace;
DO $$
DECLARE
  v_fn regprocedure;
BEGIN
  FOR v_fn IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc AS p
              WHERE p.pronamespace = 'public'::regnamespace AND p.prosrc LIKE '%shadow_raise%' LOOP
    EXECUTE pg_catalog.format('DROP FUNCTION %s CASCADE', v_fn);
  END LOOP;
END;
$$;

SELECT ok((SELECT made FROM shadow_count) > 50 AND (SELECT made FROM shadow_operators) > 100,
  format('%s shadow functions and %s shadow operators were in place', (SELECT made FROM shadow_count), (SELECT made FROM shadow_operators)));

SELECT is(
  ARRAY(SELECT attempt || ': ' || result || ' ' || message FROM outcome WHERE result <> 'ok' ORDER BY n),
  '{}'::text[],
  'every call succeeds with the shadows in the caller''s path: none of them was called'
);
SELECT is(
  ARRAY(SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc AS p
        LEFT JOIN pg_catalog.pg_stat_xact_user_functions AS f ON f.funcid = p.oid
        WHERE p.pronamespace = 'eventlog'::regnamespace AND p.proname !~ '^(_|tg_)'
          AND (has_function_privilege('eventlog_writer', p.oid, 'EXECUTE') OR has_function_privilege('eventlog_reader', p.oid, 'EXECUTE')
               OR has_function_privilege('eventlog_admin', p.oid, 'EXECUTE'))
          AND coalesce(f.calls, 0) = 0
        ORDER BY 1),
  '{}'::text[],
  'every public function was called with the shadows in place (add a call for a new one above)'
);
-- And they did what they do without shadows: the stream's events, versions and the forget.
SELECT is(
  ARRAY(SELECT e.version || ':' || e.event_type || ':' || e.payload::text FROM eventlog.events AS e WHERE e.stream = 'shadow-1' ORDER BY e.tx_order, e.etag),
  ARRAY['1:shadow:{}', '2:event:{}', '3:t:{}'],
  'the appends got versions 1, 2, 3 (the repeated idempotency key wrote nothing), and forget removed the key from each'
);
SELECT is(
  (SELECT e.payload - 'at' - 'session_user' FROM eventlog.events AS e WHERE e.event_type = 'stream_forgotten'),
  '{"by": "eventlog_admin", "keys": ["n"], "stream": "shadow-1", "event_types": null, "events_changed": 3, "snapshots_changed": 1}'::jsonb,
  'and logged its audit event'
);
SELECT is(
  (SELECT array_agg(e.event_type ORDER BY e.etag) FROM eventlog.events AS e WHERE e.stream LIKE 'public.shadow_orders:%'),
  ARRAY['insert'],
  'the tracked table''s insert was captured'
);

SELECT * FROM finish();
ROLLBACK;
