import { test } from 'node:test';
import assert from 'node:assert/strict';
import { medians, type ResyncRow } from '../../bench/resync';

const row = (work: string, seconds: number, speedup?: number): ResyncRow => ({
  work, seconds, entities: 100, entitiesPerSecond: 100 / seconds, requests: {}, workerPeakRssMb: 1, workerCpuSeconds: 1,
  historyEvents: 1, historyBytes: 1, runs: 1, writes: 0, ...(speedup === undefined ? {} : { speedup }),
});

test('repeated bench runs collapse to the median run of each work, with the range and the median of the pairs\' own ratios', () => {
  const rows = [
    row('first', 9, undefined), row('unchanged', 3, 3),
    row('first', 6, undefined), row('unchanged', 2.5, 2.4),
    row('first', 12, undefined), row('unchanged', 2, 6),
  ];
  const [first, unchanged] = medians(rows);
  assert.equal(first!.work, 'first');
  assert.equal(first!.seconds, 9);
  assert.deepEqual(first!.secondsRange, [6, 12]);
  assert.equal(first!.vsFloor, undefined);
  assert.equal(unchanged!.seconds, 2.5);
  // The median pair ratio (3), not the ratio of the medians (9 / 2.5 = 3.6).
  assert.equal(unchanged!.speedup, 3);
  assert.match(unchanged!.vsFloor!, /^3\.0x faster than first, median of 3 pairs \(2\.4-6\.0\)/);
});
