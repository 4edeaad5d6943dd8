-- A transaction's many appends to one stream cost the same per event, whatever their number.
-- Each event with a stream updates the stream's row in eventlog.streams (0025), and the update
-- found the row through its primary key: the index leads to the first version of the row, and
-- from there to the newest along the chain of versions this transaction made, none of which can
-- be pruned before it ends. So the n-th event of a transaction into one stream walked n versions:
-- one INSERT ... SELECT or COPY of 5,000 events into one stream took 1.9 s, of 40,000 54 s
-- (docs/benchmarks.md, "One INSERT … SELECT into one stream is quadratic").
--
-- Now the trigger remembers, in the transaction-local setting eventlog.stream_row
-- ('<ctid>' newline '<stream>'), where the row version it last wrote is, and the next event of
-- that stream updates it there (a TID scan: no index, no walk). Nothing else changes: the same
-- row lock, the same version arithmetic, one update per event. The remembered address is only
-- trusted while it names the newest version of this stream's row written at this transaction's
-- position: a version this transaction updated since (append_to_stream's reservation, another
-- path) is no longer visible to the UPDATE, which then finds nothing, and the event takes the
-- upsert as before. A rolled-back savepoint undoes the setting with the row versions it wrote, so
-- the two stay in step; the setting ends with the transaction. Any role can set the setting, but
-- all it can do is name a row the UPDATE then checks, or make it fall back to the upsert.
-- The rest of the function is 0025's, unchanged.
CREATE OR REPLACE FUNCTION eventlog.tg_events__assign_stream_version()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_reservation text := pg_catalog.current_setting('eventlog.stream_reservation', true);
  v_row text := pg_catalog.current_setting('eventlog.stream_row', true);
  v_next integer;
  v_ctid tid;
BEGIN
  -- A restored event keeps its version: the check trigger, which runs first, lets a given version
  -- through only in a restore (_restoring(), 0004), and the dump brings the stream's row too. (Not
  -- asked again here: this function runs as its owner, and _restoring() asks about the role.)
  IF NEW.version IS NOT NULL THEN
    RETURN NEW;
  END IF;
  IF v_reservation <> '' AND pg_catalog.split_part(v_reservation, E'\n', 2) = NEW.stream THEN
    v_next := pg_catalog.split_part(v_reservation, E'\n', 1)::integer;
    PERFORM 1 FROM eventlog.streams AS s
    WHERE s.stream = NEW.stream
      AND v_next BETWEEN s.reserved_from AND s.version
      AND s.tx_order = NEW.tx_order;
    IF FOUND THEN
      -- An assignment, not PERFORM: an expression, not a query.
      v_reservation := pg_catalog.set_config('eventlog.stream_reservation', (v_next + 1)::text || E'\n' || NEW.stream, true);
      NEW.version := v_next;
      RETURN NEW;
    END IF;
  END IF;
  -- The stream's row as this transaction last left it: updated by its physical address, not
  -- looked up by its key (see the top of 0061). Only a row version this transaction wrote, of this
  -- stream, at this position, and still its newest (a later update by anything else in the
  -- transaction makes it invisible, so the UPDATE finds nothing and the upsert below runs).
  IF v_row <> '' AND pg_catalog.split_part(v_row, E'\n', 2) = NEW.stream THEN
    UPDATE eventlog.streams AS s SET version = s.version + 1
    WHERE s.ctid = pg_catalog.split_part(v_row, E'\n', 1)::tid
      AND s.stream = NEW.stream AND s.tx_order = NEW.tx_order AND s.reserved_from IS NULL
    RETURNING s.version, s.ctid INTO NEW.version, v_ctid;
    IF FOUND THEN
      -- An assignment, not PERFORM: an expression, not a query.
      v_row := pg_catalog.set_config('eventlog.stream_row', v_ctid::text || E'\n' || NEW.stream, true);
      RETURN NEW;
    END IF;
  END IF;
  INSERT INTO eventlog.streams AS s (stream, version, tx_order)
  VALUES (NEW.stream, 1, NEW.tx_order)
  ON CONFLICT ON CONSTRAINT streams_pkey DO UPDATE SET version = s.version + 1, tx_order = EXCLUDED.tx_order
    WHERE s.tx_order <= EXCLUDED.tx_order
  RETURNING s.version, s.ctid INTO NEW.version, v_ctid;
  IF FOUND THEN
    v_row := pg_catalog.set_config('eventlog.stream_row', v_ctid::text || E'\n' || NEW.stream, true);
  ELSE
    RAISE EXCEPTION 'stream % was appended to by a transaction that began writing after this one and committed first',
        eventlog._display(NEW.stream)
      USING ERRCODE = 'serialization_failure',
            DETAIL = 'This event would come before that one in the log, with the later version.',
            HINT = 'Retry the transaction; appending to the stream before writing anything else avoids it.';
  END IF;
  RETURN NEW;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.tg_events__assign_stream_version() FROM PUBLIC;

COMMENT ON FUNCTION eventlog.tg_events__assign_stream_version() IS
  'Trigger function: gives a new event with a stream that stream''s next version.';
