BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();

CREATE SCHEMA capture_test;
CREATE TABLE capture_test.items (id integer PRIMARY KEY, label text NOT NULL, touched integer NOT NULL DEFAULT 0);
SELECT FROM eventlog.track_table('capture_test.items', 'rev');

-- The application's own BEFORE trigger, which fires after ours (names sort after '_').
CREATE FUNCTION capture_test.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.touched := NEW.touched + 1;
  NEW.label := upper(NEW.label);
  RETURN NEW;
END;
$$;
CREATE TRIGGER touch BEFORE INSERT OR UPDATE ON capture_test.items FOR EACH ROW EXECUTE FUNCTION capture_test.touch();

INSERT INTO capture_test.items (id, label) VALUES (1, 'tea');
INSERT INTO capture_test.items (id, label) VALUES (1, 'green tea')
  ON CONFLICT (id) DO UPDATE SET label = excluded.label;
UPDATE capture_test.items SET rev = 40 WHERE id = 1;

SELECT results_eq(
  $$SELECT event_type, payload FROM eventlog.events WHERE stream = 'capture_test.items:1' ORDER BY etag$$,
  $$VALUES ('insert', '{"id": 1, "rev": 1, "label": "TEA", "touched": 1}'::jsonb),
           ('update', '{"id": 1, "rev": 2, "label": "GREEN TEA", "touched": 2}'::jsonb),
           ('update', '{"id": 1, "rev": 3, "label": "GREEN TEA", "touched": 3}'::jsonb)$$,
  'the payload is the row as stored, after the table''s own BEFORE triggers; an upsert that updates is an update'
);
SELECT is(to_jsonb(i) - 'touched', '{"id": 1, "rev": 3, "label": "GREEN TEA"}'::jsonb, 'the row matches its last event')
FROM capture_test.items AS i;
SELECT is((SELECT rev FROM capture_test.items), 3, 'a revision written by the caller is replaced by the next one');
SELECT is((SELECT revision_column FROM eventlog.tracked_tables WHERE tbl = 'capture_test.items'::regclass), 'rev'::name,
  'the revision column can have another name');

SELECT * FROM finish();
ROLLBACK;
