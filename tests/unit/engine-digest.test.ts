import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DigestBuilder, ProducedSet } from '../../activities/engine/digest';

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

test('a corrupt digest is refused, not read as a smaller set', () => {
  assert.throws(() => new ProducedSet(['abc']), /corrupt digest/);
});
