-- An etag of the guess's form (the last etag of a range) far ahead of the sequence is not a guess
-- the column default can have made: the owner gave it. It is refused with 428C9 like any given
-- etag, instead of the trigger taking sequence values until it reached it (which burnt etags
-- without bound: a direct call of the helper by a writer ran into statement_timeout).
BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
SELECT eventlog.set_partition_size(100);
SELECT eventlog.ensure_partitions(3);
CREATE TEMP TABLE at AS SELECT nextval('eventlog.events_etag_seq') AS v;
GRANT SELECT ON at TO eventlog_writer;

SELECT throws_ok(
  format('INSERT INTO eventlog.events (payload, etag) VALUES (''{}'', %s)', (SELECT (v / 100 + 50) * 100 + 99 FROM at)),
  '428C9', format('etag %s was given, but the etag of an event is set by the database', (SELECT (v / 100 + 50) * 100 + 99 FROM at)),
  'an owner-given etag 50 ranges ahead'
);
SET LOCAL ROLE eventlog_writer;
SET LOCAL statement_timeout = '5s';
SELECT throws_ok(
  format('SELECT eventlog._etag_in_range(%s, %s)', 9223372036854775807, (SELECT v FROM at)),
  '428C9', NULL,
  'a direct call of the helper with a far guess, as a writer, refuses at once'
);
RESET ROLE;
SELECT cmp_ok(
  (SELECT pg_sequence_last_value('eventlog.events_etag_seq')), '<', (SELECT v + 100 FROM at),
  'the sequence did not run ahead'
);
SELECT * FROM finish();
ROLLBACK;
