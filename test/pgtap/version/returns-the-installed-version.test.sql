BEGIN;
SELECT plan(3);

SELECT is(eventlog.version(), '0.1.0', 'version() returns the installed version');
SELECT function_returns('eventlog', 'version', ARRAY[]::text[], 'text', 'version() returns text');
SELECT volatility_is('eventlog', 'version', ARRAY[]::text[], 'immutable', 'version() is immutable: it changes only with a migration');

SELECT * FROM finish();
ROLLBACK;
