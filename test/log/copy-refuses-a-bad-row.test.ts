// One bad row refuses the whole append, on every path: a COPY with a bad row in the middle, a
// multi-row INSERT with one bad row, log_event with one bad array element. The refusal has
// log_event's SQLSTATE and message, and another connection sees nothing of the refused append:
// no row, no stream version moved (the stream's next append still gets the next version). The
// writer is a LOGIN role that is only a member of eventlog_writer, as an application would be.
import t from 'tap';
import type pg from 'pg';
import { freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { copyFromStdin, psqlScript } from '../lib/copy.ts';

const COLUMNS = 'eventlog.events (event_type, stream, payload, metadata)';

t.test('a bad row refuses the whole COPY, INSERT or log_event with log_event\'s error, and nothing is visible', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const writer = await loginRole(t, db.url, ['eventlog_writer']);
  const app = await writer.connect();
  const observer = await db.connect();

  await app.query(`INSERT INTO eventlog.events (stream, payload) VALUES ('acct-1', '{"k": "seed"}')`);

  // What another connection sees of the log: every payload key, and every stream's version.
  const visible = async () => ({
    keys: (await observer.query<{ k: string }>(`SELECT payload->>'k' AS k FROM eventlog.events ORDER BY etag`)).rows.map((r) => r.k),
    streams: (await observer.query<{ stream: string; version: number }>('SELECT stream, version FROM eventlog.streams ORDER BY stream')).rows,
  });
  const before = await visible();
  t.same(before, { keys: ['seed'], streams: [{ stream: 'acct-1', version: 1 }] }, 'the log holds the seed event, acct-1 at version 1');

  // log_event's refusal for the same value, as the same writer.
  const logEventError = async (args: [string, string | null, string | null, string | null]) => {
    const err = await app.query('SELECT eventlog.log_event($1::jsonb, $2, $3, $4::jsonb)', args).then(() => undefined, (e: pg.DatabaseError) => e);
    t.ok(err, `log_event refuses ${JSON.stringify(args)}`);
    return { code: err?.code, message: err?.message };
  };

  const badRows: { what: string; bad: [string, string | null, string, string]; expected: { code: string; message: string } }[] = [
    {
      what: 'a payload that is not an object',
      bad: ['event', 'acct-1', '42', '{}'],
      expected: { code: '22023', message: 'payload 42 is a JSON number, not an object' },
    },
    {
      what: 'a stream name with a newline',
      bad: ['event', 'bad\nstream', '{"k": "copy-bad-stream"}', '{}'],
      expected: { code: '22023', message: "stream 'bad\\nstream' contains a control character" },
    },
    {
      what: 'metadata that is not an object',
      bad: ['event', 'acct-1', '{"k": "copy-bad-metadata"}', '"m"'],
      expected: { code: '22023', message: 'metadata "m" is a JSON string, not an object' },
    },
  ];

  for (const [i, { what, bad, expected }] of badRows.entries()) {
    const [eventType, stream, payload, metadata] = bad;
    const fromLogEvent = await logEventError([payload, eventType, stream, metadata]);
    t.same(fromLogEvent, expected, `log_event's refusal of ${what}`);

    // Good rows before and after the bad one, to a stream that exists and to one that does not yet.
    const copy = await psqlScript(writer.env, copyFromStdin(COLUMNS, [
      ['event', 'acct-1', JSON.stringify({ k: `copy-${i}-a` }), '{}'],
      ['event', `copy-only-${i}`, JSON.stringify({ k: `copy-${i}-b` }), '{}'],
      bad,
      ['event', 'acct-1', JSON.stringify({ k: `copy-${i}-c` }), '{}'],
    ]));
    t.not(copy.code, 0, `COPY with ${what} on line 3 fails`);
    t.same(copy.error, fromLogEvent, `COPY refuses ${what} with log_event's SQLSTATE and message`);
    t.match(copy.stderr, /COPY events, line 3/, 'the refusal names the bad row\'s line');
    t.same(await visible(), before, `another connection sees nothing of the COPY with ${what}: no row, no stream version moved`);
  }

  const noColumnList = await psqlScript(writer.env, copyFromStdin('eventlog.events', [
    ['1', '1', '2026-01-01 00:00:00+00', 'event', 'acct-1', '2', '{"k": "copy-all-columns"}', '{}'],
  ]));
  t.equal(noColumnList.error?.code, '42501', `COPY without a column list is refused for a writer: ${noColumnList.error?.message}`);
  t.match(noColumnList.error?.message, /permission denied for table events/, 'as a missing privilege on the table');
  t.same(await visible(), before, 'and writes nothing');

  const insertError = await app.query(
    `INSERT INTO eventlog.events (stream, payload, metadata)
     VALUES ('acct-1', '{"k": "insert-a"}', '{}'), ('insert-only', '{"k": "insert-b"}', '{}'),
            ('acct-1', '{"k": "insert-bad"}', '"m"'), ('acct-1', '{"k": "insert-c"}', '{}')`,
  ).then(() => undefined, (e: pg.DatabaseError) => e);
  const metadataRefusal = { code: '22023', message: 'metadata "m" is a JSON string, not an object' };
  t.same(await logEventError(['{"k": "insert-bad"}', null, 'acct-1', '"m"']), metadataRefusal, 'log_event\'s refusal of the bad row');
  t.same({ code: insertError?.code, message: insertError?.message }, metadataRefusal,
    'a multi-row INSERT with one bad row is refused with log_event\'s SQLSTATE and message');
  t.same(await visible(), before, 'another connection sees nothing of the refused INSERT');

  const arrayError = await app.query(
    `SELECT * FROM eventlog.log_event('[{"k": "array-a"}, {"k": "array-b"}, 7, {"k": "array-c"}]', 'event', 'acct-1')`,
  ).then(() => undefined, (e: pg.DatabaseError) => e);
  t.same({ code: arrayError?.code, message: arrayError?.message },
    { code: '22023', message: 'element 3 of the payload array is 7, not a JSON object' },
    'log_event refuses an array with a bad element, naming the element');
  t.same(await visible(), before, 'another connection sees nothing of the refused array');

  // The refused appends moved nothing: the stream goes on with version 2, on every path.
  const copied = await psqlScript(writer.env, copyFromStdin(COLUMNS, [['event', 'acct-1', '{"k": "copy-good"}', '{}']]));
  t.equal(copied.code, 0, `a good COPY succeeds ${copied.stderr}`);
  await app.query(`INSERT INTO eventlog.events (stream, payload) VALUES ('acct-1', '{"k": "insert-good"}')`);
  await app.query(`SELECT eventlog.log_event('{"k": "log-event-good"}', 'event', 'acct-1')`);
  const { rows: acct } = await observer.query<{ k: string; version: number }>(
    `SELECT payload->>'k' AS k, version FROM eventlog.events WHERE stream = 'acct-1' ORDER BY etag`);
  t.same(acct, [
    { k: 'seed', version: 1 },
    { k: 'copy-good', version: 2 },
    { k: 'insert-good', version: 3 },
    { k: 'log-event-good', version: 4 },
  ], 'after the refusals, acct-1 continues without a gap on all three paths');
  t.same((await visible()).streams, [{ stream: 'acct-1', version: 4 }], 'and no stream of a refused append exists');
});
