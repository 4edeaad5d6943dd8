BEGIN;
SELECT plan(5);
SELECT eventlog_test.reset();

SELECT throws_ok($$SELECT eventlog.enable_publication(NULL)$$, '22004', 'publication name must not be NULL', 'NULL');
SELECT throws_ok($$SELECT eventlog.enable_publication('')$$, '22023', 'publication name must not be empty', 'an empty name');
SELECT throws_ok($$SELECT eventlog.enable_publication(repeat('p', 64))$$, '42622',
  'publication name ''' || repeat('p', 64) || ''' is 64 bytes long, over the limit of 63', 'a name PostgreSQL would truncate');
SELECT throws_ok($$SELECT eventlog.enable_publication(E'a\nb')$$, '22023',
  'publication name ''a\nb'' contains a control character', 'a control character, shown escaped');
SELECT is(
  (SELECT p.publication::text FROM eventlog.enable_publication(repeat('p', 63)) AS p),
  repeat('p', 63),
  'a name of 63 bytes is taken whole'
);

SELECT * FROM finish();
ROLLBACK;
