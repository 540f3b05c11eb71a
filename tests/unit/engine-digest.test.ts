import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distinctCount, DigestBuilder, ProducedSet } from '../../activities/engine/digest';

test('a digest remembers exactly the produced (blueprint, identifier) pairs, across chunks', () => {
  const a = new DigestBuilder();
  const b = new DigestBuilder();
  for (let i = 0; i < 5000; i++) (i % 2 ? a : b).add('service', `svc-${i}`);
  a.add('team', 'svc-1'); // the same identifier in another blueprint is another entity
  const produced = new ProducedSet([a.encode(), b.encode()]);
  assert.equal(produced.size, 5001);
  for (let i = 0; i < 5000; i++) assert.ok(produced.has('service', `svc-${i}`));
  assert.ok(produced.has('team', 'svc-1'));
  assert.ok(!produced.has('team', 'svc-2'));
  assert.ok(!produced.has('service', 'svc-5000'));
  assert.ok(!produced.has('service\u0000svc', '1'));
});

test('a digest is compact and canonical', () => {
  const one = new DigestBuilder();
  const two = new DigestBuilder();
  for (let i = 0; i < 1000; i++) one.add('bp', `id-${i}`);
  for (let i = 999; i >= 0; i--) two.add('bp', `id-${i}`);
  two.add('bp', 'id-0'); // duplicates count once
  assert.equal(one.encode(), two.encode());
  assert.ok(one.encode().length <= 1000 * 11, `${one.encode().length} characters for 1,000 entities`);
});

test('distinctCount counts an entity named by two chunks once, as ProducedSet does', () => {
  const a = new DigestBuilder();
  const b = new DigestBuilder();
  for (let i = 0; i < 3000; i++) a.add('service', `svc-${i}`);
  for (let i = 2000; i < 4500; i++) b.add('service', `svc-${i}`); // 1,000 in both chunks
  const digests = [a.encode(), '', b.encode()];
  assert.equal(distinctCount(digests), 4500);
  assert.equal(distinctCount(digests), new ProducedSet(digests).size);
  assert.equal(distinctCount([]), 0);
});

test('a corrupt digest is refused, not read as a smaller set', () => {
  assert.throws(() => new ProducedSet(['abc']), /corrupt digest/);
  assert.throws(() => distinctCount(['abc']), /corrupt digest/);
});

test('the encoding is stable across versions: digests in running workflows\' history and heartbeats still read', () => {
  // Encoded by the first version (hex-keyed); a digest must mean the same set whatever wrote it.
  const recorded = 'lwjJkNrG1smtr3tpEhv4Q8jfNBEX3nWg2oDxk3w95PP/uU1cW0NKVw==';
  const d = new DigestBuilder();
  for (const id of ['a', 'b', 'service-00001', 'ünïcödé/x', 'a']) d.add('service', id);
  d.add('team', 'a');
  assert.equal(d.encode(), recorded);
  const produced = new ProducedSet([recorded]);
  assert.ok(produced.has('service', 'ünïcödé/x') && produced.has('team', 'a') && !produced.has('team', 'b'));
  const resumed = DigestBuilder.from(recorded);
  resumed.add('service', 'b'); // already there
  assert.equal(resumed.size, 5);
  assert.equal(resumed.encode(), recorded);
});
