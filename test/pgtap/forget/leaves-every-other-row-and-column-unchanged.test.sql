BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();
DELETE FROM eventlog.snapshots;

-- A log of several streams, types and transactions, plus events without a stream.
SELECT eventlog.append_to_stream('customer-' || (i % 5), pg_catalog.format(
  '[{"type": "t%s", "payload": {"email": "u%s@example.com", "n": %s}, "metadata": {"i": %s}}, {"type": "noted", "payload": {"n": %s}}]',
  i % 3, i, i, i, i)::jsonb)
FROM generate_series(1, 40) AS i;
SELECT eventlog.log_event('[{"email": "loose@example.com"}, {"x": 1}]', 'loose');
SELECT eventlog.save_snapshot('customer-' || i, 2, '{"email": "s@example.com"}') FROM generate_series(0, 4) AS i;

CREATE TEMP TABLE before AS
  SELECT etag, tx_order, ctime, event_type, stream, version, payload, metadata,
    md5(e::text) AS row_hash, md5((e.etag, e.tx_order, e.ctime, e.event_type, e.stream, e.version, e.metadata)::text) AS other_columns_hash
  FROM eventlog.events AS e;
CREATE TEMP TABLE snapshots_before AS SELECT md5(n::text) AS row_hash FROM eventlog.snapshots AS n WHERE n.stream <> 'customer-2';

CREATE TEMP TABLE erased AS SELECT etag FROM before WHERE stream = 'customer-2' AND payload ? 'email';
SELECT results_eq(
  $$SELECT events_changed FROM eventlog.forget('customer-2', ARRAY['email'])$$,
  ARRAY[(SELECT count(*)::integer FROM erased)],
  'forget changed the events of the stream that held the key'
);

SELECT is(
  (SELECT md5(string_agg(md5(e::text), ',' ORDER BY e.etag)) FROM eventlog.events AS e
   WHERE e.etag IN (SELECT etag FROM before) AND e.etag NOT IN (SELECT etag FROM erased)),
  (SELECT md5(string_agg(b.row_hash, ',' ORDER BY b.etag)) FROM before AS b WHERE b.etag NOT IN (SELECT etag FROM erased)),
  'every other event is byte-for-byte the same (checksum of all other rows)'
);
SELECT is(
  (SELECT md5(string_agg(md5((e.etag, e.tx_order, e.ctime, e.event_type, e.stream, e.version, e.metadata)::text), ',' ORDER BY e.etag))
   FROM eventlog.events AS e WHERE e.etag IN (SELECT etag FROM before)),
  (SELECT md5(string_agg(other_columns_hash, ',' ORDER BY etag)) FROM before),
  'etag, log position, time, type, stream, version and metadata of every event are unchanged, the erased ones included'
);
SELECT is(
  (SELECT md5(string_agg(md5(n::text), ',' ORDER BY md5(n::text))) FROM eventlog.snapshots AS n WHERE n.stream <> 'customer-2'),
  (SELECT md5(string_agg(row_hash, ',' ORDER BY row_hash)) FROM snapshots_before),
  'snapshots of other streams are unchanged'
);
SELECT is(
  (SELECT count(*) FROM eventlog.events AS e JOIN before AS b USING (etag) WHERE e.payload <> b.payload),
  (SELECT count(*) FROM erased),
  'only the erased events differ'
);

SELECT * FROM finish();
ROLLBACK;
