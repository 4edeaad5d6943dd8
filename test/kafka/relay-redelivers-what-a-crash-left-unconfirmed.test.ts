// `npx pg-eventlog relay`: JSON lines of every committed event, in commit order, and the slot's
// position confirmed only after the write. Killed mid-stream (SIGKILL) and started again, it
// delivers every event at least once and in order, starting again exactly after the position
// it had confirmed. With a webhook that refuses a transaction (HTTP 500), it stops, and the next
// start delivers that transaction again: nothing the sink did not take was confirmed. Idle
// between transactions, it confirms the server's keepalive positions, so WAL of tables outside
// the publication does not stay behind its slot.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { freshDatabase, repoRoot, type TestDatabase } from '../lib/db.ts';
import { waitFor, within } from '../lib/wait.ts';
import { slotName } from './lib.ts';

const bin = fileURLToPath(new URL('../../bin/pg-eventlog.js', import.meta.url));

interface Line { etag: number; tx_order: number; event_type: string; stream: string | null; version: number | null; payload: { k: string; big?: number }; lsn: string; ctime: string }

interface Relay { child: ChildProcess; lines: Line[]; raw: string[]; stderr: string; exited: Promise<number | null> }

const running = new Set<ChildProcess>();
t.afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
});

function relay(db: TestDatabase, args: string[], env: NodeJS.ProcessEnv = process.env): Relay {
  const child = spawn(process.execPath, [bin, 'relay', '--database-url', db.url, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env });
  running.add(child);
  const r: Relay = { child, lines: [], raw: [], stderr: '', exited: new Promise((resolve) => child.on('exit', (code) => { running.delete(child); resolve(code); })) };
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    const parts = (partial + d.toString('utf8')).split('\n');
    partial = parts.pop()!;
    for (const p of parts) {
      r.raw.push(p);
      r.lines.push(JSON.parse(p));
    }
  });
  child.stderr!.on('data', (d: Buffer) => (r.stderr += d.toString('utf8')));
  return r;
}

/** Appends `count` transactions of 3 events each, one after another (commit order = append order); returns their keys per transaction. */
async function append(db: TestDatabase, prefix: string, count: number): Promise<string[][]> {
  const txs: string[][] = [];
  for (let i = 0; i < count; i++) {
    const keys = [0, 1, 2].map((j) => `${prefix}:${i}:${j}`);
    await db.query(`SELECT count(*) FROM eventlog.log_event($1::jsonb, 'relayed', $2)`,
      [JSON.stringify(keys.map((k) => ({ k }))), `s-${i % 3}`]);
    txs.push(keys);
  }
  return txs;
}

async function dropSlot(db: TestDatabase, slot: string) {
  for (const child of running) child.kill('SIGKILL');
  await waitFor(`slot ${slot} to be released`, async () =>
    (await db.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]))[0]?.active !== true, { timeoutMs: 20_000 });
  await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]);
}

const confirmedLsn = async (db: TestDatabase, slot: string) =>
  (await db.query<{ lsn: string }>('SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1', [slot]))[0].lsn;

const lsnValue = (lsn: string) => {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
};

t.test('killed mid-stream, the relay delivers every event again from where it had confirmed', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query('SELECT * FROM eventlog.enable_publication()');
  const slot = slotName('relay');
  try {
    const first = relay(db, ['--slot', slot, '--create-slot']);
    await waitFor('the relay to create its slot and start', async () =>
      (await db.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]))[0]?.active === true, { timeoutMs: 30_000 });
    // A payload whose number a JSON parser would round: the relay passes PostgreSQL's text on.
    await db.query(`SELECT count(*) FROM eventlog.log_event('{"k": "exact", "big": 12345678901234567890}', 'relayed')`);
    const batch1 = await append(db, 'one', 10);
    await waitFor('the relay to write the first batch', () => first.lines.length === 1 + 30);
    t.match(first.raw[0], /"payload":\{"k": "exact", "big": 12345678901234567890\}/, 'a JSON number is passed on digit for digit');
    t.match(first.lines[1], { event_type: 'relayed', stream: 's-0', version: 1, payload: { k: 'one:0:0' } }, 'a line carries the event\'s columns');
    t.match(first.lines[1].ctime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d(:\d\d)?)$/, 'ctime in ISO 8601');

    const batch2 = append(db, 'two', 30);
    await waitFor('the relay to write part of the second batch', () => first.lines.length > 31 + 3, { timeoutMs: 30_000, intervalMs: 1 });
    first.child.kill('SIGKILL');
    t.equal(await within('the killed relay to exit', first.exited, 10_000), null, 'the relay was killed');
    const killedAt = first.lines.length;
    const sawOfBatch2 = killedAt - 31;
    await batch2;
    const batch3 = await append(db, 'three', 5);
    const confirmed = await confirmedLsn(db, slot);

    const second = relay(db, ['--slot', slot]);
    const lastKey = batch3.at(-1)!.at(-1)!;
    await waitFor('the restarted relay to reach the last event', () => second.lines.some((l) => l.payload.k === lastKey), { timeoutMs: 30_000 });
    second.child.kill('SIGTERM');
    t.equal(await within('the relay to stop on SIGTERM', second.exited, 10_000), 0, 'SIGTERM stops the relay cleanly (exit 0)');

    const expected = ['exact', ...[batch1, await batch2, batch3].flat(2)];
    const all = [...first.lines, ...second.lines];
    const delivered = new Set(all.map((l) => l.payload.k));
    t.same(expected.filter((k) => !delivered.has(k)), [], `every committed event was delivered at least once (killed after ${sawOfBatch2} lines of the second batch)`);
    const firstSeen: string[] = [];
    for (const l of all) if (!firstSeen.includes(l.payload.k)) firstSeen.push(l.payload.k);
    t.same(firstSeen, expected, 'in commit order, across the crash');
    t.same(second.lines.map((l) => l.payload.k), expected.slice(expected.indexOf(second.lines[0].payload.k)),
      'the restarted relay delivers a contiguous tail of the log, in order');
    const redelivered = second.lines.filter((l) => first.lines.some((f) => f.payload.k === l.payload.k));
    t.ok(second.lines.every((l) => lsnValue(l.lsn) > lsnValue(confirmed)) &&
      first.lines.filter((l) => lsnValue(l.lsn) > lsnValue(confirmed)).every((l) => second.lines.some((s) => s.payload.k === l.payload.k)),
    `it starts right after the confirmed position ${confirmed}: everything written but unconfirmed comes again (${redelivered.length} events), nothing confirmed does`);
    t.ok(second.stderr.includes(`relaying slot ${slot}`), 'it says on stderr what it relays');
  } finally {
    await dropSlot(db, slot);
  }
});

t.test('a transaction the webhook refused is delivered again by the next start', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query('SELECT * FROM eventlog.enable_publication()');
  const slot = slotName('webhook');
  const bodies: string[][] = [];
  let refuse = (_keys: string[]) => false;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const keys = body.trim().split('\n').map((l) => (JSON.parse(l) as Line).payload.k);
      if (refuse(keys)) {
        res.writeHead(500).end('not now');
        return;
      }
      bodies.push(keys);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  try {
    await db.query('SELECT pg_create_logical_replication_slot($1, $2)', [slot, 'pgoutput']);
    const txs = await append(db, 'w', 6);
    refuse = (keys) => keys.includes('w:3:0');
    const first = relay(db, ['--slot', slot, '--webhook', url]);
    const code = await within('the relay to stop at the refused transaction', first.exited, 30_000);
    t.equal(code, 1, 'the relay stops with exit code 1');
    t.match(first.stderr, /webhook .* answered 500/, 'and says that the webhook answered 500');
    t.same(bodies, txs.slice(0, 3), 'the webhook took the three transactions before, one POST each');

    refuse = () => false;
    const second = relay(db, ['--slot', slot, '--webhook', url]);
    await waitFor('the restarted relay to deliver the last transaction', () => bodies.some((b) => b.includes('w:5:0')), { timeoutMs: 30_000 });
    second.child.kill('SIGTERM');
    await within('the relay to stop', second.exited, 10_000);
    t.same(bodies.slice(3), txs.slice(3), 'the next start delivers the refused transaction again, then the rest, nothing confirmed twice');
  } finally {
    await dropSlot(db, slot);
  }
});

t.test('between transactions the relay confirms the server\'s position, so WAL of other tables does not pile up', async (t) => {
  const db = await freshDatabase(t, { install: true });
  await db.query('SELECT * FROM eventlog.enable_publication()');
  await db.query('CREATE TABLE public.busy (id integer, pad text)');
  const slot = slotName('idle');
  try {
    await db.query('SELECT pg_create_logical_replication_slot($1, $2)', [slot, 'pgoutput']);
    await append(db, 'before', 1);
    // A short wal_sender_timeout makes the server send keepalives about every second while idle.
    const r = relay(db, ['--slot', slot], { ...process.env, PGOPTIONS: '-c wal_sender_timeout=2000' });
    await waitFor('the relay to deliver the first transaction', () => r.lines.length === 3, { timeoutMs: 30_000 });
    await db.query(`INSERT INTO public.busy SELECT i, repeat('x', 1000) FROM generate_series(1, 3000) AS i`);
    // The insert position: with synchronous_commit = off the write position lags the commit.
    const after = (await db.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn'))[0].lsn;
    await waitFor(`the slot's confirmed position to pass ${after}, the WAL of the other table`,
      async () => lsnValue(await confirmedLsn(db, slot)) >= lsnValue(after), { timeoutMs: 20_000, intervalMs: 200 });
    const retained = (await db.query<{ unconfirmed: string }>(
      'SELECT unconfirmed_wal_bytes AS unconfirmed FROM eventlog.replication_slots WHERE slot_name = $1', [slot]))[0].unconfirmed;
    t.ok(BigInt(retained) < 1_000_000n, `3 MB written to a table outside the publication, yet only ${retained} bytes stay unconfirmed`);
    r.child.kill('SIGTERM');
    await within('the relay to stop', r.exited, 10_000);
  } finally {
    await dropSlot(db, slot);
  }
});
