BEGIN;
SELECT plan(3);
SELECT eventlog_test.reset();
SELECT eventlog_test.reset_clients();

SELECT eventlog_test.append_committed(10, '[{"n": 1}]');
SELECT count(*) FROM eventlog.get_event('billing', 10);
CREATE TEMP TABLE before AS SELECT ctid AS row_version, moved_at FROM eventlog.client_cursors WHERE client = 'billing';

SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 10)$$),
  '{}'::bigint[],
  'a caught-up client gets nothing'
);
SELECT is(
  (SELECT ctid FROM eventlog.client_cursors WHERE client = 'billing'),
  (SELECT row_version FROM before),
  'and its cursor row is not updated (no new row version)'
);
SELECT is(
  eventlog_test.etags_of($$SELECT * FROM eventlog.get_event('billing', 10, 1, 2)$$),
  '{}'::bigint[],
  'an empty log share of a group member gets nothing either'
);

SELECT * FROM finish();
ROLLBACK;
