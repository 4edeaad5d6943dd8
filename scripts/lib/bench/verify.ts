// The checks make stress prints: what one consumer received, against what the producers committed.
// Pure functions, so the checks themselves are tested on crafted input (test/bench/verify.test.ts).

/** One received event, as the producers wrote it: {producer, seq, value}. */
export interface Received {
  producer: number;
  seq: number;
  value: number;
}

/** Producer p committed the events seq = 0 .. perProducer[p] - 1, each with value valueOf(p, seq). */
export interface Expected {
  perProducer: number[];
  valueOf: (producer: number, seq: number) => number;
}

export interface ProducerReport {
  producer: number;
  expected: number;
  received: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** A few example seqs of each problem, for the message. */
  examples: { lost: number[]; duplicated: number[]; outOfOrder: number[] };
}

export interface Verdict {
  count: number;
  expectedCount: number;
  checksum: bigint;
  expectedChecksum: bigint;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Events naming a producer or seq that was never written (also counted as a failure). */
  unknown: number;
  producers: ProducerReport[];
  ok: boolean;
}

const EXAMPLES = 5;

/** The value a stress producer writes for event `seq`: spread over 1..1000 so a swap or loss changes the sum. */
export function stressValue(producer: number, seq: number): number {
  return ((producer * 7919 + seq * 104729) % 1000) + 1;
}

/**
 * Checks one consumer's received events, in the order received:
 *   lost        expected events never received;
 *   duplicated  receipts of an event already received;
 *   outOfOrder  first receipts of an event after a later event of the same producer;
 *   checksum    sum of the values of everything received (duplicates included), against the
 *               sum over the expected events.
 */
export function verifyDelivery(received: Iterable<Received>, expected: Expected): Verdict {
  const producers = expected.perProducer.map((n, producer) => ({
    producer,
    expected: n,
    seen: new Uint8Array(n),
    maxSeq: -1,
    received: 0,
    duplicated: 0,
    outOfOrder: 0,
    examples: { lost: [] as number[], duplicated: [] as number[], outOfOrder: [] as number[] },
  }));
  let count = 0;
  let unknown = 0;
  let checksum = 0n;
  for (const e of received) {
    count++;
    checksum += BigInt(e.value);
    const p = producers[e.producer];
    if (!p || !Number.isInteger(e.seq) || e.seq < 0 || e.seq >= p.expected) {
      unknown++;
      continue;
    }
    p.received++;
    if (p.seen[e.seq]) {
      p.duplicated++;
      if (p.examples.duplicated.length < EXAMPLES) p.examples.duplicated.push(e.seq);
      continue;
    }
    p.seen[e.seq] = 1;
    if (e.seq < p.maxSeq) {
      p.outOfOrder++;
      if (p.examples.outOfOrder.length < EXAMPLES) p.examples.outOfOrder.push(e.seq);
    } else {
      p.maxSeq = e.seq;
    }
  }
  let expectedChecksum = 0n;
  const reports: ProducerReport[] = producers.map((p) => {
    let lost = 0;
    for (let seq = 0; seq < p.expected; seq++) {
      expectedChecksum += BigInt(expected.valueOf(p.producer, seq));
      if (!p.seen[seq]) {
        lost++;
        if (p.examples.lost.length < EXAMPLES) p.examples.lost.push(seq);
      }
    }
    return {
      producer: p.producer,
      expected: p.expected,
      received: p.received,
      lost,
      duplicated: p.duplicated,
      outOfOrder: p.outOfOrder,
      examples: p.examples,
    };
  });
  const sum = (f: (r: ProducerReport) => number) => reports.reduce((a, r) => a + f(r), 0);
  const verdict = {
    count,
    expectedCount: sum((r) => r.expected),
    checksum,
    expectedChecksum,
    lost: sum((r) => r.lost),
    duplicated: sum((r) => r.duplicated),
    outOfOrder: sum((r) => r.outOfOrder),
    unknown,
    producers: reports,
  };
  return {
    ...verdict,
    ok:
      verdict.lost === 0 &&
      verdict.duplicated === 0 &&
      verdict.outOfOrder === 0 &&
      unknown === 0 &&
      count === verdict.expectedCount &&
      checksum === expectedChecksum,
  };
}
