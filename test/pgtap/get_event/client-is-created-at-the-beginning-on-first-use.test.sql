BEGIN;
SELECT plan(4);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

CREATE TEMP TABLE committed AS
  SELECT etag FROM eventlog_test.append_committed(10, '[{"n": 1}, {"n": 2}, {"n": 3}]') AS etag;

SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing')$$),
  ARRAY(SELECT etag FROM committed ORDER BY etag LIMIT 1),
  'the first call of a new client returns the first event of the log'
);
SELECT is(
  (SELECT count(*) FROM eventlog.client_cursors WHERE client = 'billing'),
  1::bigint,
  'the client now exists, as one cursor'
);
SELECT results_eq(
  $$SELECT members, member, etag, owner_role FROM eventlog.client_cursors WHERE client = 'billing'$$,
  $$VALUES (1, 0, (SELECT min(etag) FROM committed), current_user::name)$$,
  'a plain client is a group of one, stands after the event it got, and belongs to the caller'
);
SELECT is(
  (SELECT moved_at IS NOT NULL AND created_at IS NOT NULL FROM eventlog.client_cursors WHERE client = 'billing'),
  true,
  'creation and move times are recorded'
);

SELECT * FROM finish();
ROLLBACK;
