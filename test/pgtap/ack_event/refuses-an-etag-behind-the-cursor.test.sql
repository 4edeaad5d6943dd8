BEGIN;
SELECT plan(1);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS
  SELECT etag FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}, {"n": 3}]') AS etag;
SELECT count(*) FROM eventlog.get_event('mailer', 2);

SELECT throws_ok(
  format('SELECT eventlog.ack_event(%L, %s)', 'mailer', (SELECT min(etag) FROM committed)),
  'EL010',
  format('etag %s is behind the cursor of client ''mailer'' (at etag %s)',
         (SELECT min(etag) FROM committed), (SELECT etag FROM committed ORDER BY etag OFFSET 1 LIMIT 1)),
  'an etag already acknowledged is refused: ack never moves a cursor back'
);

SELECT * FROM finish();
ROLLBACK;
