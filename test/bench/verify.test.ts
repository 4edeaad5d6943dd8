// The stress checks themselves: each kind of delivery fault in a crafted list is found and counted.
import t from 'tap';
import { stressValue, verifyDelivery, type Received } from '../../scripts/lib/bench/verify.ts';

const expected = { perProducer: [3, 2], valueOf: stressValue };
const ev = (producer: number, seq: number): Received => ({ producer, seq, value: stressValue(producer, seq) });
const perfect = [ev(0, 0), ev(1, 0), ev(0, 1), ev(0, 2), ev(1, 1)];

t.test('a complete, ordered delivery passes', async (t) => {
  const v = verifyDelivery(perfect, expected);
  t.ok(v.ok);
  t.equal(v.count, 5);
  t.equal(v.checksum, v.expectedChecksum);
  t.match(v, { lost: 0, duplicated: 0, outOfOrder: 0, unknown: 0 });
});

t.test('a lost event is found, with its producer and seq', async (t) => {
  const v = verifyDelivery(perfect.filter((e) => !(e.producer === 0 && e.seq === 1)), expected);
  t.notOk(v.ok);
  t.equal(v.lost, 1);
  t.same(v.producers[0].examples.lost, [1]);
  t.not(v.checksum, v.expectedChecksum, 'the checksum misses it too');
  t.match(v, { duplicated: 0, outOfOrder: 0 });
});

t.test('a duplicate is found even when the count looks right', async (t) => {
  const list = [...perfect.slice(0, 4), ev(0, 2)]; // (1, 1) lost, (0, 2) twice: still 5 events
  const v = verifyDelivery(list, expected);
  t.notOk(v.ok);
  t.equal(v.count, 5);
  t.equal(v.duplicated, 1);
  t.same(v.producers[0].examples.duplicated, [2]);
  t.equal(v.lost, 1);
});

t.test('an event delivered after a later one of its producer is out of order', async (t) => {
  const list = [ev(0, 0), ev(1, 0), ev(0, 2), ev(0, 1), ev(1, 1)];
  const v = verifyDelivery(list, expected);
  t.notOk(v.ok);
  t.equal(v.outOfOrder, 1);
  t.same(v.producers[0].examples.outOfOrder, [1]);
  t.match(v, { lost: 0, duplicated: 0 });
  t.equal(v.checksum, v.expectedChecksum, 'a reordering keeps the checksum: only the order check sees it');
});

t.test('interleaving between producers is not a violation', async (t) => {
  t.ok(verifyDelivery([ev(1, 0), ev(1, 1), ev(0, 0), ev(0, 1), ev(0, 2)], expected).ok);
});

t.test('an event from an unknown producer or seq fails the run', async (t) => {
  const v = verifyDelivery([...perfect, ev(0, 7)], expected);
  t.notOk(v.ok);
  t.equal(v.unknown, 1);
});

t.test('a changed value fails the checksum', async (t) => {
  const v = verifyDelivery([...perfect.slice(0, 4), { producer: 1, seq: 1, value: 0 }], expected);
  t.notOk(v.ok);
  t.not(v.checksum, v.expectedChecksum);
});
