-- Variants of the append path for `make bench-variants`: each one step between a bare INSERT and
-- log_event, to measure what each step costs (docs/ordering.md, "Where a function call's time
-- goes"). Loaded after bench/baseline.sql into the bench's scratch database only; never a
-- migration, never installed anywhere else. None of them checks its input or moves the log clock.
CREATE SCHEMA eventlog_variants;

-- A PL/pgSQL function around the bare INSERT, returning nothing.
CREATE FUNCTION eventlog_variants.insert_void(payload jsonb)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  INSERT INTO eventlog_bench.plain_events (payload) VALUES (insert_void.payload);
END;
$$;

-- The same, returning the new row the way log_event does.
CREATE FUNCTION eventlog_variants.insert_returning(payload jsonb)
RETURNS SETOF eventlog_bench.plain_events
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  RETURN QUERY INSERT INTO eventlog_bench.plain_events (payload) VALUES (insert_returning.payload) RETURNING *;
END;
$$;

-- The same into eventlog.events (its indexes, and its append triggers, which set tx_order and
-- check the row): the empty shell of log_event.
CREATE FUNCTION eventlog_variants.insert_into_events(payload jsonb)
RETURNS SETOF eventlog.events
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
AS $$
BEGIN
  RETURN QUERY
    INSERT INTO eventlog.events (payload)
    VALUES (insert_into_events.payload)
    RETURNING *;
END;
$$;

-- The shell plus the pinned search_path every SECURITY DEFINER function of ours has.
CREATE FUNCTION eventlog_variants.insert_into_events_pinned(payload jsonb)
RETURNS SETOF eventlog.events
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY
    INSERT INTO eventlog.events (payload)
    VALUES (insert_into_events_pinned.payload)
    RETURNING *;
END;
$$;

-- Variants of the append check trigger (eventlog.tg_events__check_append), for the rows of
-- make bench-variants that INSERT into eventlog.events itself: before such a run the tool calls
-- use_check(name), which replaces the trigger function's body with the named one (CREATE OR
-- REPLACE FUNCTION: the DDL guard allows it, and the triggers stay as they are). 'shipped' is the
-- body the installed migrations gave it, captured here; the tool puts it back at the end.
CREATE TABLE eventlog_variants.check_bodies (name text PRIMARY KEY, body text NOT NULL);

INSERT INTO eventlog_variants.check_bodies
SELECT 'shipped', p.prosrc FROM pg_catalog.pg_proc AS p
WHERE p.oid = 'eventlog.tg_events__check_append()'::pg_catalog.regprocedure;

-- The floor: a PL/pgSQL row trigger that only sets the position and the etag (no checks, no
-- stream queue). Not safe; it tells what the trigger call itself costs.
INSERT INTO eventlog_variants.check_bodies VALUES ('floor', $body$
DECLARE
  v_etag bigint;
BEGIN
  NEW.tx_order := pg_catalog.pg_current_xact_id()::pg_catalog.text::pg_catalog.int8 OPERATOR(pg_catalog.+) eventlog._clock_offset();
  -- The etag inside the range the column default's guess routed the row to, as shipped.
  v_etag := pg_catalog.nextval('eventlog.events_etag_seq'::pg_catalog.regclass);
  IF (v_etag OPERATOR(pg_catalog./) eventlog._partition_size())
     OPERATOR(pg_catalog.<>) (NEW.etag OPERATOR(pg_catalog./) eventlog._partition_size()) THEN
    v_etag := eventlog._etag_in_range(NEW.etag, v_etag);
  END IF;
  NEW.etag := v_etag;
  RETURN NEW;
END;
$body$);

CREATE FUNCTION eventlog_variants.use_check(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  EXECUTE pg_catalog.format(
    'CREATE OR REPLACE FUNCTION eventlog.tg_events__check_append() RETURNS trigger LANGUAGE plpgsql VOLATILE AS %L',
    (SELECT b.body FROM eventlog_variants.check_bodies AS b WHERE b.name = use_check.name));
END;
$$;

-- One expression for the checks, the stream queue and the position, one for the etag: PL/pgSQL
-- sets up every expression it runs again in each transaction, so fewer expressions per call
-- should cost less per one-event transaction.
INSERT INTO eventlog_variants.check_bodies VALUES ('one-expression', $body$
DECLARE
  v_etag bigint;
BEGIN
  NEW.tx_order := CASE
    WHEN NOT coalesce(
           ((NEW.etag OPERATOR(pg_catalog.%) eventlog._partition_size())
             OPERATOR(pg_catalog.=) (eventlog._partition_size() OPERATOR(pg_catalog.-) 1::pg_catalog.int8))
           AND NEW.tx_order IS NULL
           AND NEW.version IS NULL
           AND (pg_catalog.jsonb_typeof(NEW.payload) OPERATOR(pg_catalog.=) 'object'::pg_catalog.text)
           AND (pg_catalog.jsonb_typeof(NEW.metadata) OPERATOR(pg_catalog.=) 'object'::pg_catalog.text)
           AND (NEW.event_type OPERATOR(pg_catalog.<>) ''::pg_catalog.text)
           AND (pg_catalog.length(NEW.event_type) OPERATOR(pg_catalog.<=) 200)
           AND (NEW.event_type OPERATOR(pg_catalog.!~) '[[:cntrl:]]'::pg_catalog.text)
           AND (NEW.stream IS NULL
                OR ((NEW.stream OPERATOR(pg_catalog.<>) ''::pg_catalog.text)
                    AND (pg_catalog.length(NEW.stream) OPERATOR(pg_catalog.<=) 200)
                    AND (NEW.stream OPERATOR(pg_catalog.!~) '[[:cntrl:]]'::pg_catalog.text))), false)
         AND eventlog._refuse_append(NEW) IS NULL THEN NULL::pg_catalog.int8
    WHEN NEW.stream IS NOT NULL AND pg_catalog.pg_current_xact_id_if_assigned() IS NULL
         AND pg_catalog.pg_advisory_xact_lock(
               pg_catalog.hashtextextended('eventlog.streams ' OPERATOR(pg_catalog.||) NEW.stream, 0)) IS NULL
      THEN NULL::pg_catalog.int8
    ELSE pg_catalog.pg_current_xact_id()::pg_catalog.text::pg_catalog.int8 OPERATOR(pg_catalog.+) eventlog._clock_offset()
  END;
  -- The etag inside the range the column default's guess routed the row to, as shipped.
  v_etag := pg_catalog.nextval('eventlog.events_etag_seq'::pg_catalog.regclass);
  IF (v_etag OPERATOR(pg_catalog./) eventlog._partition_size())
     OPERATOR(pg_catalog.<>) (NEW.etag OPERATOR(pg_catalog./) eventlog._partition_size()) THEN
    v_etag := eventlog._etag_in_range(NEW.etag, v_etag);
  END IF;
  NEW.etag := v_etag;
  RETURN NEW;
END;
$body$);

-- An append path without a PL/pgSQL row trigger for events without a stream (measured in
-- docs/ordering.md, "Checks in domains"): etag and tx_order from column defaults, the checks in
-- domains (whose constraints the type cache prepares once per session, where a CHECK constraint is
-- parsed and planned again in every statement), a refusal function called only for a bad value.
-- Partitioned by etag like eventlog.events. Not safe as it stands (a stream append takes its
-- transaction id in the default, before any queue); it tells what the checks cost without a trigger.
CREATE FUNCTION eventlog_variants.refuse(what text, value text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  RAISE EXCEPTION '% is not valid: %', what, value USING ERRCODE = '22023';
END;
$$;
CREATE DOMAIN eventlog_variants.payload AS jsonb
  CHECK ((pg_catalog.jsonb_typeof(VALUE) OPERATOR(pg_catalog.=) 'object'::pg_catalog.text)
         OR eventlog_variants.refuse('payload', VALUE::pg_catalog.text));
CREATE DOMAIN eventlog_variants.metadata AS jsonb
  CHECK ((pg_catalog.jsonb_typeof(VALUE) OPERATOR(pg_catalog.=) 'object'::pg_catalog.text)
         OR eventlog_variants.refuse('metadata', VALUE::pg_catalog.text));
CREATE DOMAIN eventlog_variants.event_type AS text
  CHECK (((VALUE OPERATOR(pg_catalog.<>) ''::pg_catalog.text)
          AND (pg_catalog.length(VALUE) OPERATOR(pg_catalog.<=) 200)
          AND (VALUE OPERATOR(pg_catalog.!~) '[[:cntrl:]]'::pg_catalog.text))
         OR eventlog_variants.refuse('event_type', VALUE));
CREATE DOMAIN eventlog_variants.stream AS text
  CHECK (VALUE IS NULL
         OR ((VALUE OPERATOR(pg_catalog.<>) ''::pg_catalog.text)
             AND (pg_catalog.length(VALUE) OPERATOR(pg_catalog.<=) 200)
             AND (VALUE OPERATOR(pg_catalog.!~) '[[:cntrl:]]'::pg_catalog.text))
         OR eventlog_variants.refuse('stream', VALUE));
CREATE SEQUENCE eventlog_variants.domain_etag_seq;
CREATE TABLE eventlog_variants.domain_events (
  etag bigint NOT NULL DEFAULT pg_catalog.nextval('eventlog_variants.domain_etag_seq'::pg_catalog.regclass),
  tx_order bigint NOT NULL
    DEFAULT (pg_catalog.pg_current_xact_id()::pg_catalog.text::pg_catalog.int8 OPERATOR(pg_catalog.+) eventlog._clock_offset()),
  ctime timestamptz NOT NULL DEFAULT pg_catalog.now(),
  event_type eventlog_variants.event_type NOT NULL DEFAULT 'event',
  stream eventlog_variants.stream,
  version integer,
  payload eventlog_variants.payload NOT NULL,
  metadata eventlog_variants.metadata NOT NULL DEFAULT '{}',
  PRIMARY KEY (etag)
) PARTITION BY RANGE (etag);
CREATE INDEX ON eventlog_variants.domain_events (tx_order, etag) WITH (deduplicate_items = off);
CREATE TABLE eventlog_variants.domain_events_0 PARTITION OF eventlog_variants.domain_events FOR VALUES FROM (MINVALUE) TO (1000000000);
CREATE TABLE eventlog_variants.domain_events_1 PARTITION OF eventlog_variants.domain_events FOR VALUES FROM (1000000000) TO (2000000000);
CREATE TABLE eventlog_variants.domain_events_2 PARTITION OF eventlog_variants.domain_events FOR VALUES FROM (2000000000) TO (3000000000);
CREATE TABLE eventlog_variants.domain_events_d PARTITION OF eventlog_variants.domain_events DEFAULT;
-- The same storage and partitions with plain types and no checks: what the domains cost.
CREATE TABLE eventlog_variants.ordered_partitioned_events (
  etag bigint NOT NULL DEFAULT pg_catalog.nextval('eventlog_variants.domain_etag_seq'::pg_catalog.regclass),
  tx_order bigint NOT NULL
    DEFAULT (pg_catalog.pg_current_xact_id()::pg_catalog.text::pg_catalog.int8 OPERATOR(pg_catalog.+) eventlog._clock_offset()),
  ctime timestamptz NOT NULL DEFAULT pg_catalog.now(),
  event_type text NOT NULL DEFAULT 'event',
  stream text,
  version integer,
  payload jsonb NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (etag)
) PARTITION BY RANGE (etag);
CREATE INDEX ON eventlog_variants.ordered_partitioned_events (tx_order, etag) WITH (deduplicate_items = off);
CREATE TABLE eventlog_variants.ordered_partitioned_events_0 PARTITION OF eventlog_variants.ordered_partitioned_events FOR VALUES FROM (MINVALUE) TO (1000000000);
CREATE TABLE eventlog_variants.ordered_partitioned_events_1 PARTITION OF eventlog_variants.ordered_partitioned_events FOR VALUES FROM (1000000000) TO (2000000000);
CREATE TABLE eventlog_variants.ordered_partitioned_events_2 PARTITION OF eventlog_variants.ordered_partitioned_events FOR VALUES FROM (2000000000) TO (3000000000);
CREATE TABLE eventlog_variants.ordered_partitioned_events_d PARTITION OF eventlog_variants.ordered_partitioned_events DEFAULT;
