// eventlog.replication_slots: every logical slot of this database (and only this database) with
// the WAL it keeps on the server, readable by eventlog_reader; the numbers move as the log grows
// and as the consumer confirms. disable_publication warns about slots that stay behind.
import t from 'tap';
import { freshDatabase } from '../lib/db.ts';
import { loginRole } from '../lib/login.ts';
import { waitFor } from '../lib/wait.ts';
import { withSlot } from './lib.ts';

interface SlotRow { slot_name: string; plugin: string; active: boolean; retained_wal_bytes: string; unconfirmed_wal_bytes: string; wal_status: string }

t.test('replication_slots shows each slot of the database and the WAL it retains', async (t) => {
  const db = await freshDatabase(t, { install: true });
  const other = await freshDatabase(t, { install: true });
  const reader = await loginRole(t, db.url, ['eventlog_reader']);
  const readerClient = await reader.connect();
  await db.query('SELECT * FROM eventlog.enable_publication()');
  const slots = async () => (await readerClient.query<SlotRow>('SELECT * FROM eventlog.replication_slots ORDER BY slot_name')).rows;

  await withSlot(other, 'pgoutput', async (otherSlot) => {
    await withSlot(db, 'pgoutput', async (slot) => {
      const before = await slots();
      t.same(before.map((s) => [s.slot_name, s.plugin, s.active, s.wal_status]), [[slot, 'pgoutput', false, 'reserved']],
        `a reader sees this database's slot, not ${otherSlot} of another database`);

      await db.query(`SELECT count(*) FROM eventlog.log_event((SELECT jsonb_agg(jsonb_build_object('n', i, 'pad', repeat('x', 500))) FROM generate_series(1, 2000) AS i))`);
      // The view measures to the written end of WAL; with synchronous_commit = off (the test
      // cluster) the WAL writer writes the last part out a moment after the commit.
      const grown = await waitFor('the flushed WAL to pass the 2000 events', async () => {
        const row = (await slots())[0];
        return BigInt(row.retained_wal_bytes) > BigInt(before[0].retained_wal_bytes) + 1_000_000n ? row : undefined;
      }, { timeoutMs: 10_000 }).catch(async () => (await slots())[0]);
      t.ok(BigInt(grown.retained_wal_bytes) > BigInt(before[0].retained_wal_bytes) + 1_000_000n,
        `2000 events later the slot retains more WAL (${before[0].retained_wal_bytes} -> ${grown.retained_wal_bytes} bytes)`);
      t.ok(BigInt(grown.unconfirmed_wal_bytes) > 1_000_000n, `and its consumer has confirmed none of it (${grown.unconfirmed_wal_bytes} bytes)`);

      // Consume through the SQL interface (it confirms what it returns), after the WAL is flushed.
      const consumed = await waitFor('the events to be decodable', async () => {
        const n = (await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_logical_slot_get_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', 'eventlog')`, [slot]))[0].n;
        return n !== '0' ? n : 0;
      });
      t.ok(Number(consumed) > 2000, `the slot's consumer read ${consumed} messages`);
      const after = (await slots())[0];
      t.ok(BigInt(after.unconfirmed_wal_bytes) < BigInt(grown.unconfirmed_wal_bytes) / 10n,
        `once it confirmed them, unconfirmed WAL drops (${grown.unconfirmed_wal_bytes} -> ${after.unconfirmed_wal_bytes} bytes)`);

      const warnings: string[] = [];
      const admin = await db.connect();
      admin.on('notice', (n) => warnings.push(`${n.severity}: ${n.message}`));
      await admin.query('SELECT eventlog.disable_publication()');
      t.same(warnings, [`WARNING: logical replication slots of this database still retain WAL: '${slot}'`],
        'disable_publication drops the publication and warns that the slot still retains WAL');
      t.same((await slots()).map((s) => s.slot_name), [slot], 'the slot itself is left alone');
    });
  });
});
