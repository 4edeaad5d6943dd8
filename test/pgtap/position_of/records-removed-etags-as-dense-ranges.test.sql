BEGIN;
SELECT plan(6);
SELECT eventlog_test.reset();

-- Etags 1..9 relative to the sequence: positions 10 (s+1, s+2, s+3), 20 (s+4, s+6), 30 (s+5);
-- s+7 is taken and never written (a rolled-back append), s+8 at 10 again.
CREATE TEMP TABLE base AS SELECT nextval('eventlog.events_etag_seq') AS s;
SELECT eventlog_test.set_guards(false);
INSERT INTO eventlog.events (etag, tx_order, payload)
SELECT (SELECT s FROM base) + v.k, v.tx_order, '{}'
FROM (VALUES (1, 10), (2, 10), (3, 10), (4, 20), (5, 30), (6, 20), (8, 10)) AS v (k, tx_order);
SELECT eventlog_test.set_guards(true);
SELECT setval('eventlog.events_etag_seq', (SELECT s FROM base) + 8);

CREATE FUNCTION pg_temp.e(k integer) RETURNS bigint LANGUAGE sql AS $$ SELECT s + k FROM base $$;

SELECT is(eventlog._remove_events(ARRAY[pg_temp.e(1), pg_temp.e(2), pg_temp.e(3), pg_temp.e(4), pg_temp.e(6), pg_temp.e(8)], 'test'),
  6::bigint, 'the six events are removed');
SELECT results_eq(
  $$SELECT first_etag - (SELECT s FROM base), last_etag - (SELECT s FROM base), tx_order FROM eventlog.removed_positions ORDER BY first_etag$$,
  $$VALUES (1::bigint, 3::bigint, 10::bigint), (4, 4, 20), (6, 6, 20), (8, 8, 10)$$,
  'one range per run of consecutive etags of one position: s+5 splits position 20, the etag never written splits 10');
SELECT is((SELECT array_agg(eventlog._position_of(pg_temp.e(k)) ORDER BY k) FROM unnest(ARRAY[1, 2, 3, 4, 5, 6, 8]) AS k),
  ARRAY[10, 10, 10, 20, 30, 20, 10]::bigint[], 'every etag the log returned has its position, removed or not');
SELECT throws_ok(format('SELECT eventlog._position_of(%s)', pg_temp.e(7)), 'EL001',
  format('etag %s is not in the log', pg_temp.e(7)), 'an etag that was never in the log is still refused, between removed ones');
SELECT is(eventlog._remove_events(ARRAY[pg_temp.e(1), pg_temp.e(5)], 'test'), 1::bigint,
  'an etag removed already is skipped');
SELECT throws_ok('DELETE FROM eventlog.events', 'EL002', 'DELETE on eventlog.events is refused: the event log is append-only',
  'after a removal every other DELETE is refused again');

SELECT * FROM finish();
ROLLBACK;
