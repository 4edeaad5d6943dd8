BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();

-- Four committed transactions, etags in another order than positions: a, b, c at position 10,
-- f at 15 (its etag after d's and e's), d, e at 20, g at 30. Log order: a b c f d e g.
CREATE TEMP TABLE written (name text, etag bigint);
SELECT eventlog_test.set_guards(false);
WITH w AS (
  INSERT INTO eventlog.events (etag, tx_order, payload)
  VALUES (nextval('eventlog.events_etag_seq'), 10, '{"n": "a"}'),
         (nextval('eventlog.events_etag_seq'), 10, '{"n": "b"}'),
         (nextval('eventlog.events_etag_seq'), 10, '{"n": "c"}'),
         (nextval('eventlog.events_etag_seq'), 20, '{"n": "d"}'),
         (nextval('eventlog.events_etag_seq'), 20, '{"n": "e"}'),
         (nextval('eventlog.events_etag_seq'), 15, '{"n": "f"}'),
         (nextval('eventlog.events_etag_seq'), 30, '{"n": "g"}')
  RETURNING etag, payload
)
INSERT INTO written SELECT payload->>'n', etag FROM w;
SELECT eventlog_test.set_guards(true);

CREATE FUNCTION pg_temp.at(name text) RETURNS bigint LANGUAGE sql AS $$ SELECT etag FROM written WHERE written.name = at.name $$;
CREATE FUNCTION pg_temp.names(etags bigint[]) RETURNS text[] LANGUAGE sql AS $$
  SELECT coalesce(array_agg(w.name ORDER BY u.n), '{}') FROM unnest(etags) WITH ORDINALITY AS u (etag, n) JOIN written AS w USING (etag);
$$;

-- What compaction does: remove b, d, e and f, keeping their positions.
SELECT is(eventlog._remove_events(ARRAY[pg_temp.at('b'), pg_temp.at('d'), pg_temp.at('e'), pg_temp.at('f')], 'test'),
  4::bigint, 'setup: four events removed');

SELECT is(pg_temp.names(eventlog_test.etags_after(pg_temp.at('b'), 10)), ARRAY['c', 'g'],
  'after a removed etag the read continues exactly where its event stood');
SELECT is(pg_temp.names(eventlog_test.etags_after(pg_temp.at('f'), 10)), ARRAY['g'],
  'a removed etag keeps its own position, not the one its etag would suggest');
SELECT is(pg_temp.names(eventlog_test.etags_after(pg_temp.at('d'), 1)), ARRAY['g'],
  'after a removed etag whose neighbours are removed too, the next live event');
SELECT is(pg_temp.names(eventlog_test.etags_of(format('SELECT * FROM eventlog.get_event(%L, 10)', pg_temp.at('e')))),
  ARRAY['g'], 'the same through get_event(client) given an etag as text');

SELECT * FROM finish();
ROLLBACK;
